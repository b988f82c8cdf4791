package io.optimesh.law.optlaws;

import java.util.ArrayList;
import java.util.List;
import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.CholeskyDecomposition;
import org.hipparchus.linear.RealMatrix;

/**
 * An Opt-Laws-style model (seed 001, arXiv 2409.04777, whose formula and code are not public): the
 * final loss of a run from its schedule's features and the model's and data's size, and the
 * probability that a run with that schedule diverges.
 *
 * <p>Loss: ridge regression of log(final loss) on {@link ScheduleFeatures#LOSS}, over the runs that
 * did not diverge; intervals from the coefficients' covariance plus the residual spread. Risk:
 * L2-penalised logistic regression on {@link ScheduleFeatures#RISK} over all runs, by Newton's method
 * (the penalty keeps it finite when high peaks separate the divergent runs perfectly, as they often
 * do). Both standardise their features for the penalty and report coefficients on the raw features,
 * so a model is its coefficients alone.
 */
public final class OptLawsModel {

    /** One observed run. */
    public record Run(ScheduleFeatures features, double finalLoss, boolean diverged) {
    }

    /** A prediction for one schedule. */
    public record Estimate(double loss, double lower, double upper, double divergenceRisk) {
    }

    /** Penalty on the standardised coefficients: a weak prior that every feature matters little. */
    public static final double RIDGE = 1e-3;
    private static final int NEWTON_STEPS = 50;

    private final double[] loss;
    private final double[][] lossCovariance;
    private final double sigma;
    private final double[] risk;

    public OptLawsModel(double[] loss, double[][] lossCovariance, double sigma, double[] risk) {
        if (loss.length != ScheduleFeatures.LOSS.length + 1 || risk.length != ScheduleFeatures.RISK.length + 1
                || lossCovariance.length != loss.length) {
            throw new IllegalArgumentException("an Opt-Laws model has " + (ScheduleFeatures.LOSS.length + 1)
                    + " loss and " + (ScheduleFeatures.RISK.length + 1) + " risk coefficients");
        }
        this.loss = loss.clone();
        this.lossCovariance = lossCovariance;
        this.sigma = sigma;
        this.risk = risk.clone();
    }

    /**
     * Fits both models to {@code runs}.
     *
     * @throws IllegalArgumentException with fewer runs that did not diverge than loss coefficients
     */
    public static OptLawsModel fit(List<Run> runs) {
        List<Run> finished = runs.stream().filter(r -> !r.diverged()).toList();
        int p = ScheduleFeatures.LOSS.length + 1;
        if (finished.size() <= p) {
            throw new IllegalArgumentException("the Opt-Laws loss model has " + p + " coefficients: it needs more"
                    + " than " + p + " runs that did not diverge, got " + finished.size());
        }
        double[][] x = finished.stream().map(r -> r.features().lossVector()).toArray(double[][]::new);
        double[] y = finished.stream().mapToDouble(r -> Math.log(r.finalLoss())).toArray();
        Standardised s = new Standardised(x);
        RealMatrix z = new Array2DRowRealMatrix(s.apply(x), false);
        RealMatrix gram = z.transpose().multiply(z);
        for (int j = 1; j < p; j++) {
            gram.addToEntry(j, j, RIDGE * x.length);
        }
        RealMatrix inverse = new CholeskyDecomposition(gram).getSolver().getInverse();
        double[] w = inverse.operate(z.transpose().operate(y));
        double rss = 0;
        for (int i = 0; i < x.length; i++) {
            double r = y[i] - dot(s.apply(x[i]), w);
            rss += r * r;
        }
        double variance = rss / Math.max(x.length - p, 1);
        double[][] cov = inverse.scalarMultiply(variance).getData();
        double[] riskWeights = fitRisk(runs);
        return new OptLawsModel(s.toRaw(w), s.toRawCovariance(cov), Math.sqrt(variance), riskWeights);
    }

    private static double[] fitRisk(List<Run> runs) {
        int q = ScheduleFeatures.RISK.length + 1;
        long diverged = runs.stream().filter(Run::diverged).count();
        double[] w = new double[q];
        // Laplace-smoothed base rate: the whole model when a class is missing, the start otherwise.
        double rate = (diverged + 0.5) / (runs.size() + 1.0);
        w[0] = Math.log(rate / (1 - rate));
        if (diverged == 0 || diverged == runs.size()) {
            return w;
        }
        double[][] x = runs.stream().map(r -> r.features().riskVector()).toArray(double[][]::new);
        Standardised s = new Standardised(x);
        double[][] z = s.apply(x);
        double lambda = RIDGE * runs.size() * 10;
        for (int step = 0; step < NEWTON_STEPS; step++) {
            double[][] hessian = new double[q][q];
            double[] gradient = new double[q];
            for (int i = 0; i < z.length; i++) {
                double prob = sigmoid(dot(z[i], w));
                double label = runs.get(i).diverged() ? 1 : 0;
                for (int a = 0; a < q; a++) {
                    gradient[a] += (prob - label) * z[i][a];
                    for (int b = 0; b < q; b++) {
                        hessian[a][b] += prob * (1 - prob) * z[i][a] * z[i][b];
                    }
                }
            }
            for (int a = 1; a < q; a++) {
                gradient[a] += lambda * w[a];
                hessian[a][a] += lambda;
            }
            hessian[0][0] += 1e-9;
            double[] delta = new CholeskyDecomposition(new Array2DRowRealMatrix(hessian, false)).getSolver()
                    .solve(new ArrayRealVector(gradient, false)).toArray();
            double change = 0;
            for (int a = 0; a < q; a++) {
                w[a] -= delta[a];
                change = Math.max(change, Math.abs(delta[a]));
            }
            if (change < 1e-10) {
                break;
            }
        }
        return s.toRaw(w);
    }

    public Estimate predict(ScheduleFeatures features, double level) {
        double[] x = features.lossVector();
        double mean = dot(x, loss);
        double variance = sigma * sigma;
        for (int a = 0; a < x.length; a++) {
            for (int b = 0; b < x.length; b++) {
                variance += x[a] * lossCovariance[a][b] * x[b];
            }
        }
        double z = new NormalDistribution(0, 1).inverseCumulativeProbability(0.5 + level / 2);
        double half = z * Math.sqrt(Math.max(variance, 0));
        return new Estimate(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half),
                sigmoid(dot(features.riskVector(), risk)));
    }

    /** Names of all coefficients: {@code loss.*} then {@code risk.*}. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        names.add("loss.intercept");
        for (String f : ScheduleFeatures.LOSS) {
            names.add("loss." + f);
        }
        names.add("risk.intercept");
        for (String f : ScheduleFeatures.RISK) {
            names.add("risk." + f);
        }
        return names;
    }

    /** All coefficients in {@link #names()} order. */
    public double[] values() {
        double[] out = new double[loss.length + risk.length];
        System.arraycopy(loss, 0, out, 0, loss.length);
        System.arraycopy(risk, 0, out, loss.length, risk.length);
        return out;
    }

    /** The loss coefficients' covariance (the risk coefficients carry none). */
    public double[][] lossCovariance() {
        double[][] copy = new double[lossCovariance.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = lossCovariance[i].clone();
        }
        return copy;
    }

    /** Residual standard deviation of log(final loss). */
    public double sigma() {
        return sigma;
    }

    /** A model from coefficients in {@link #names()} order and a loss covariance (p x p, or empty). */
    public static OptLawsModel of(double[] values, double[][] lossCovariance, double sigma) {
        int p = ScheduleFeatures.LOSS.length + 1;
        if (values.length != names().size()) {
            throw new IllegalArgumentException("an Opt-Laws model has " + names().size() + " coefficients");
        }
        double[][] cov = lossCovariance.length == 0 ? new double[p][p] : lossCovariance;
        return new OptLawsModel(java.util.Arrays.copyOfRange(values, 0, p), cov, sigma,
                java.util.Arrays.copyOfRange(values, p, values.length));
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double sigmoid(double t) {
        return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
    }

    /**
     * Columns after the intercept centred and scaled to unit SD (constant columns left at 0), and the
     * map of coefficients and covariances back to the raw columns.
     */
    private static final class Standardised {
        final double[] mean;
        final double[] scale;

        Standardised(double[][] x) {
            int p = x[0].length;
            mean = new double[p];
            scale = new double[p];
            for (int j = 1; j < p; j++) {
                double m = 0;
                for (double[] row : x) {
                    m += row[j];
                }
                m /= x.length;
                double v = 0;
                for (double[] row : x) {
                    v += (row[j] - m) * (row[j] - m);
                }
                double sd = Math.sqrt(v / x.length);
                mean[j] = m;
                scale[j] = sd > 1e-12 * Math.max(1, Math.abs(m)) ? 1 / sd : 0;
            }
        }

        double[] apply(double[] row) {
            double[] out = new double[row.length];
            out[0] = row[0];
            for (int j = 1; j < row.length; j++) {
                out[j] = (row[j] - mean[j]) * scale[j];
            }
            return out;
        }

        double[][] apply(double[][] x) {
            double[][] out = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                out[i] = apply(x[i]);
            }
            return out;
        }

        /** M with raw = M w: w_j scale_j for j >= 1, intercept w_0 - sum w_j scale_j mean_j. */
        double[][] matrix() {
            int p = mean.length;
            double[][] m = new double[p][p];
            m[0][0] = 1;
            for (int j = 1; j < p; j++) {
                m[j][j] = scale[j];
                m[0][j] = -scale[j] * mean[j];
            }
            return m;
        }

        double[] toRaw(double[] w) {
            return new Array2DRowRealMatrix(matrix(), false).operate(w);
        }

        double[][] toRawCovariance(double[][] cov) {
            RealMatrix m = new Array2DRowRealMatrix(matrix(), false);
            return m.multiply(new Array2DRowRealMatrix(cov, false)).multiply(m.transpose()).getData();
        }
    }
}
