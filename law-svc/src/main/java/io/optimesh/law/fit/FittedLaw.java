package io.optimesh.law.fit;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.model.LossLaw;
import io.optimesh.law.model.Parameter;
import java.util.List;
import org.hipparchus.distribution.continuous.NormalDistribution;

/**
 * A law with parameter values, their covariance and the noise of the curves they were fitted to:
 * everything needed to predict a loss curve with intervals.
 */
public final class FittedLaw {

    private final LossLaw law;
    private final List<String> names;
    private final double[] values;
    private final double[][] covariance;
    private final double noise;
    private final FitQuality quality;
    private final double intervalScale;
    private final CurveError backtest;
    private final double maxFitLr;

    FittedLaw(LossLaw law, List<String> names, double[] values, double[][] covariance, double noise,
            FitQuality quality, double maxFitLr) {
        this(law, names, values, covariance, noise, quality, 1, null, maxFitLr);
    }

    private FittedLaw(LossLaw law, List<String> names, double[] values, double[][] covariance, double noise,
            FitQuality quality, double intervalScale, CurveError backtest, double maxFitLr) {
        this.law = java.util.Objects.requireNonNull(law, "law");
        this.names = List.copyOf(names);
        this.values = values.clone();
        this.covariance = covariance;
        this.noise = noise;
        this.quality = quality;
        if (!(intervalScale > 0 && Double.isFinite(intervalScale))) {
            throw new IllegalArgumentException("interval scale must be positive and finite, got " + intervalScale);
        }
        this.intervalScale = intervalScale;
        this.backtest = backtest;
        if (!(maxFitLr >= 0 && Double.isFinite(maxFitLr))) {
            throw new IllegalArgumentException("the largest fitted LR must be non-negative and finite, got " + maxFitLr);
        }
        this.maxFitLr = maxFitLr;
    }

    /**
     * This law with its intervals widened by {@code scale} (calibrated on curves it was not fitted on)
     * and the back-test error that calibration measured ({@code null} when none was).
     */
    public FittedLaw calibrated(double scale, CurveError backtest) {
        return new FittedLaw(law, names, values, covariance, noise, quality, scale, backtest, maxFitLr);
    }

    /** This law, recording {@code lr} as the largest LR of the curves it was fitted on. */
    public FittedLaw withMaxFitLr(double lr) {
        return new FittedLaw(law, names, values, covariance, noise, quality, intervalScale, backtest, lr);
    }

    /**
     * The largest LR of any step of the curves the law was fitted on, 0 when unknown: beyond it the
     * law extrapolates to LRs it has never seen.
     */
    public double maxFitLr() {
        return maxFitLr;
    }

    /**
     * Factor on the interval half-widths (log scale) that the parameters' and the noise's spread give;
     * 1 when uncalibrated.
     */
    public double intervalScale() {
        return intervalScale;
    }

    /** The law's error on curves held out of its fit (leave-one-out over its fit set), or {@code null}. */
    public CurveError backtest() {
        return backtest;
    }

    /**
     * A law with given parameter values and no uncertainty (e.g. published values): its intervals
     * collapse onto the predictions.
     */
    public static FittedLaw fixed(LossLaw law, double... values) {
        List<Parameter> parameters = law.parameters(1);
        if (values.length != parameters.size()) {
            throw new IllegalArgumentException(law.id() + " takes " + parameters.size() + " parameters, got " + values.length);
        }
        return new FittedLaw(law, parameters.stream().map(Parameter::name).toList(), values,
                new double[values.length][values.length], 0, null, 0);
    }

    /**
     * A law with given parameter values, their covariance (natural units, {@code p x p}) and the
     * log-loss noise of its fit set, e.g. one fitted elsewhere and sent over the wire. It has no
     * {@link #quality()}.
     */
    public static FittedLaw of(LossLaw law, double[] values, double[][] covariance, double noise) {
        List<Parameter> parameters = law.parameters(1);
        int p = parameters.size();
        if (values.length != p) {
            throw new IllegalArgumentException(law.id() + " takes " + p + " parameters, got " + values.length);
        }
        if (covariance.length != p) {
            throw new IllegalArgumentException("the covariance of " + p + " parameters is " + p + " x " + p);
        }
        double[][] copy = new double[p][];
        for (int a = 0; a < p; a++) {
            if (covariance[a].length != p) {
                throw new IllegalArgumentException("the covariance of " + p + " parameters is " + p + " x " + p);
            }
            copy[a] = covariance[a].clone();
        }
        if (!(noise >= 0 && Double.isFinite(noise))) {
            throw new IllegalArgumentException("noise must be a non-negative finite number, got " + noise);
        }
        return new FittedLaw(law, parameters.stream().map(Parameter::name).toList(), values, copy, noise, null, 0);
    }

    public LossLaw law() {
        return law;
    }

    public List<String> parameterNames() {
        return names;
    }

    public double[] values() {
        return values.clone();
    }

    public double value(String name) {
        int j = names.indexOf(name);
        if (j < 0) {
            throw new IllegalArgumentException(law.id() + " has no parameter " + name + " (has " + names + ")");
        }
        return values[j];
    }

    /** Covariance of the parameter values, in their natural units. */
    public double[][] covariance() {
        double[][] copy = new double[covariance.length][];
        for (int i = 0; i < covariance.length; i++) {
            copy[i] = covariance[i].clone();
        }
        return copy;
    }

    /** Standard error of each parameter value. */
    public double[] standardErrors() {
        double[] se = new double[values.length];
        for (int j = 0; j < values.length; j++) {
            se[j] = Math.sqrt(Math.max(covariance[j][j], 0));
        }
        return se;
    }

    /** Point-to-point noise of the fit set: robust standard deviation of the log residuals. */
    public double noise() {
        return noise;
    }

    /** Fit quality on the fit set; {@code null} for {@link #fixed} laws and those built {@link #of} values. */
    public FitQuality quality() {
        return quality;
    }

    /** Predicted losses at a curve's logged steps, under its own LR sequence. */
    public Prediction predict(LossCurve curve, double level) {
        return predict(curve.lrs(), curve.steps(), level);
    }

    /**
     * Predicted losses at {@code steps} of a run with per-step learning rates {@code lrs}.
     *
     * @param lrs the learning rate of every step from 0, warmup included
     * @param steps strictly increasing steps within {@code lrs}
     * @param level nominal coverage of the intervals, in (0, 1)
     */
    public Prediction predict(double[] lrs, int[] steps, double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("interval level must lie in (0, 1), got " + level);
        }
        LossLaw.Evaluator evaluator = law.prepare(lrs, steps);
        int n = evaluator.size();
        int p = values.length;
        double[] losses = new double[n];
        double[][] jacobian = new double[n][p];
        evaluator.evaluate(values, losses, jacobian);
        double z = new NormalDistribution(0, 1).inverseCumulativeProbability(0.5 + level / 2);
        double[] lower = new double[n];
        double[] upper = new double[n];
        for (int i = 0; i < n; i++) {
            // Delta method on log(loss): g = d log(loss) / d params.
            double variance = noise * noise;
            double[] g = jacobian[i];
            for (int a = 0; a < p; a++) {
                double row = 0;
                for (int b = 0; b < p; b++) {
                    row += covariance[a][b] * g[b];
                }
                variance += g[a] * row / (losses[i] * losses[i]);
            }
            double half = z * intervalScale * Math.sqrt(Math.max(variance, 0));
            lower[i] = losses[i] * Math.exp(-half);
            upper[i] = losses[i] * Math.exp(half);
        }
        return new Prediction(steps.clone(), losses, lower, upper, level);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(law.id()).append('{');
        for (int j = 0; j < values.length; j++) {
            sb.append(j == 0 ? "" : ", ").append(names.get(j)).append('=').append(String.format("%.6g", values[j]));
        }
        return sb.append('}').toString();
    }
}
