package io.optimesh.core.bayesopt;

import java.util.Arrays;
import org.hipparchus.exception.MathIllegalArgumentException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.CholeskyDecomposition;

/**
 * Gaussian-process regression of observations in the unit box with a {@link Matern52} kernel and Gaussian
 * noise. The targets are standardised (mean 0, population standard deviation 1) before fitting and the
 * predictions mapped back, so that the hyper-parameters' ranges hold for any scale of the objective.
 *
 * <p>Immutable: fitting factorises {@code K + sigma_n^2 I = L L^T} once (Cholesky, with jitter added when
 * rounding makes it indefinite); predictions then cost {@code O(n^2)} each.
 */
public final class GaussianProcess {

    /** Jitter tried first, relative to the signal variance, when the factorisation fails. */
    private static final double FIRST_JITTER = 1e-10;
    private static final double MAX_JITTER = 1e-4;

    private final double[][] points;
    private final double[] standardised;
    private final double mean;
    private final double scale;
    private final Hyperparameters hyper;
    private final double[][] cholesky;
    private final double[] alpha;
    private final double jitter;

    private GaussianProcess(double[][] points, double[] standardised, double mean, double scale, Hyperparameters hyper,
            double[][] cholesky, double[] alpha, double jitter) {
        this.points = points;
        this.standardised = standardised;
        this.mean = mean;
        this.scale = scale;
        this.hyper = hyper;
        this.cholesky = cholesky;
        this.alpha = alpha;
        this.jitter = jitter;
    }

    /** A prediction in the objective's units: the latent function's mean and standard deviation. */
    public record Prediction(double mean, double standardDeviation) {
    }

    /**
     * Conditions the process on {@code values[i]} observed at {@code unitPoints[i]} (coordinates in [0, 1]).
     *
     * @throws IllegalArgumentException when there are no observations, their dimensions disagree with
     *     {@code hyper}, or a value is not finite
     */
    public static GaussianProcess fit(double[][] unitPoints, double[] values, Hyperparameters hyper) {
        int n = unitPoints.length;
        if (n == 0 || n != values.length) {
            throw new IllegalArgumentException("need at least one observation and one value per point; got " + n
                    + " points and " + values.length + " values");
        }
        double[][] x = new double[n][];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (unitPoints[i].length != hyper.dimensions()) {
                throw new IllegalArgumentException("point " + i + " has " + unitPoints[i].length
                        + " coordinates, the kernel " + hyper.dimensions());
            }
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("value " + i + " is not finite: " + values[i]);
            }
            x[i] = unitPoints[i].clone();
            sum += values[i];
        }
        double mean = sum / n;
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / n);
        // One observation, or all equal: nothing to scale by; keep the units.
        double scale = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = (values[i] - mean) / scale;
        }
        return factorise(x, y, mean, scale, hyper);
    }

    private static GaussianProcess factorise(double[][] x, double[] y, double mean, double scale, Hyperparameters hyper) {
        int n = x.length;
        double[][] k = covariances(x, hyper);
        double jitter = 0;
        while (true) {
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) {
                a[i] = k[i].clone();
                a[i][i] += hyper.noiseVariance() + jitter;
            }
            try {
                CholeskyDecomposition c = new CholeskyDecomposition(new Array2DRowRealMatrix(a, false), 1e-9, 0);
                double[][] l = c.getL().getData();
                double[] alpha = backward(l, forward(l, y));
                return new GaussianProcess(x, y, mean, scale, hyper, l, alpha, jitter);
            } catch (MathIllegalArgumentException e) {
                // Close points with little noise make K singular to rounding: add a little to the diagonal.
                jitter = jitter == 0 ? FIRST_JITTER * hyper.signalVariance() : jitter * 10;
                if (jitter > MAX_JITTER * hyper.signalVariance()) {
                    throw new IllegalStateException("covariance matrix is not positive definite even with jitter "
                            + jitter / 10 + " for " + hyper, e);
                }
            }
        }
    }

    private static double[][] covariances(double[][] x, Hyperparameters hyper) {
        int n = x.length;
        double[] l = hyper.lengthScales();
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                k[i][j] = Matern52.covariance(x[i], x[j], l, hyper.signalVariance());
                k[j][i] = k[i][j];
            }
        }
        return k;
    }

    /** Solves {@code L z = b} for lower-triangular {@code L}. */
    private static double[] forward(double[][] l, double[] b) {
        int n = b.length;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            double[] row = l[i];
            for (int j = 0; j < i; j++) {
                s -= row[j] * z[j];
            }
            z[i] = s / row[i];
        }
        return z;
    }

    /** Solves {@code L^T z = b}. */
    private static double[] backward(double[][] l, double[] b) {
        int n = b.length;
        double[] z = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            for (int j = i + 1; j < n; j++) {
                s -= l[j][i] * z[j];
            }
            z[i] = s / l[i][i];
        }
        return z;
    }

    /** Mean and variance of the latent function at {@code u}, in standardised units. */
    public double[] predictStandardised(double[] u) {
        int n = points.length;
        double[] ls = hyper.lengthScales();
        double[] k = new double[n];
        double m = 0;
        for (int i = 0; i < n; i++) {
            k[i] = Matern52.covariance(u, points[i], ls, hyper.signalVariance());
            m += k[i] * alpha[i];
        }
        double[] v = forward(cholesky, k);
        double var = hyper.signalVariance();
        for (double vi : v) {
            var -= vi * vi;
        }
        return new double[] {m, Math.max(var, 0)};
    }

    /** The posterior at {@code u} (unit-box coordinates) in the objective's units. */
    public Prediction predict(double[] u) {
        double[] p = predictStandardised(u);
        return new Prediction(mean + scale * p[0], scale * Math.sqrt(p[1]));
    }

    /** {@code (y - mean) / scale}: a value of the objective in the units the process was fitted in. */
    public double standardise(double value) {
        return (value - mean) / scale;
    }

    /** The smallest observation, standardised. */
    public double bestStandardised() {
        return Arrays.stream(standardised).min().orElseThrow();
    }

    public Hyperparameters hyperparameters() {
        return hyper;
    }

    public int size() {
        return points.length;
    }

    /** Jitter added to the diagonal to factorise (0 when none was needed). */
    public double jitter() {
        return jitter;
    }

    /**
     * {@code log p(y | X, theta) = -y^T alpha / 2 - sum_i log L_ii - n log(2 pi) / 2} of the standardised
     * targets (Rasmussen and Williams 2006, eq. 2.30).
     */
    public double logMarginalLikelihood() {
        int n = standardised.length;
        double fit = 0;
        double logDet = 0;
        for (int i = 0; i < n; i++) {
            fit += standardised[i] * alpha[i];
            logDet += Math.log(cholesky[i][i]);
        }
        return -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
    }

    /**
     * The gradient of {@link #logMarginalLikelihood} with respect to {@link Hyperparameters#toLog()}:
     * {@code tr((alpha alpha^T - K^-1) dK/dtheta_j) / 2} (Rasmussen and Williams 2006, eq. 5.9).
     */
    public double[] logMarginalLikelihoodGradient() {
        int n = points.length;
        int d = hyper.dimensions();
        double[] ls = hyper.lengthScales();
        double s2 = hyper.signalVariance();
        double[][] inverse = new double[n][];
        for (int j = 0; j < n; j++) {
            double[] e = new double[n];
            e[j] = 1;
            inverse[j] = backward(cholesky, forward(cholesky, e));
        }
        double[] gradient = new double[d + 2];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double w = alpha[a] * alpha[b] - inverse[a][b];
                double r = Matern52.distance(points[a], points[b], ls);
                gradient[d] += w * Matern52.ofDistance(r, s2);
                for (int i = 0; i < d; i++) {
                    double scaled = (points[a][i] - points[b][i]) / ls[i];
                    gradient[i] += w * Matern52.derivativeLogLengthScale(r, scaled, s2);
                }
                if (a == b) {
                    gradient[d + 1] += w * hyper.noiseVariance();
                }
            }
        }
        for (int j = 0; j < gradient.length; j++) {
            gradient[j] *= 0.5;
        }
        return gradient;
    }

    /** The same observations under other hyper-parameters. */
    public GaussianProcess withHyperparameters(Hyperparameters other) {
        return factorise(points, standardised, mean, scale, other);
    }
}
