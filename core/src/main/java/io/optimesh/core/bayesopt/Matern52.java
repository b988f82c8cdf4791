package io.optimesh.core.bayesopt;

/**
 * The Matern-5/2 kernel with automatic relevance determination:
 * {@code k(a, b) = s^2 (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r)}, {@code r^2 = sum_i ((a_i - b_i) / l_i)^2}.
 * Twice differentiable, so less smooth than the squared exponential, which suits loss surfaces
 * (Snoek et al. 2012).
 */
public final class Matern52 {

    static final double SQRT5 = Math.sqrt(5);

    private Matern52() {
    }

    /** The scaled distance {@code r}. */
    public static double distance(double[] a, double[] b, double[] lengthScales) {
        double r2 = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (a[i] - b[i]) / lengthScales[i];
            r2 += d * d;
        }
        return Math.sqrt(r2);
    }

    /** {@code k(a, b)}. */
    public static double covariance(double[] a, double[] b, double[] lengthScales, double signalVariance) {
        return ofDistance(distance(a, b, lengthScales), signalVariance);
    }

    /** {@code k} at scaled distance {@code r}. */
    public static double ofDistance(double r, double signalVariance) {
        double sr = SQRT5 * r;
        return signalVariance * (1 + sr + sr * sr / 3) * Math.exp(-sr);
    }

    /**
     * {@code dk / d log l_i = s^2 (5/3) (1 + sqrt5 r) exp(-sqrt5 r) ((a_i - b_i) / l_i)^2}: the kernel's
     * derivative with respect to one log length-scale, which needs no division by {@code r}.
     */
    static double derivativeLogLengthScale(double r, double scaledDifference, double signalVariance) {
        double sr = SQRT5 * r;
        return signalVariance * (5.0 / 3) * (1 + sr) * Math.exp(-sr) * scaledDifference * scaledDifference;
    }
}
