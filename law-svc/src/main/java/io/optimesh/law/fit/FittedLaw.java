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

    FittedLaw(LossLaw law, List<String> names, double[] values, double[][] covariance, double noise,
            FitQuality quality) {
        this.law = java.util.Objects.requireNonNull(law, "law");
        this.names = List.copyOf(names);
        this.values = values.clone();
        this.covariance = covariance;
        this.noise = noise;
        this.quality = quality;
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
                new double[values.length][values.length], 0, null);
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

    /** Fit quality on the fit set; {@code null} for {@link #fixed} laws. */
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
            double half = z * Math.sqrt(Math.max(variance, 0));
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
