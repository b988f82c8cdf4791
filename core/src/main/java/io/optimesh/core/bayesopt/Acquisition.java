package io.optimesh.core.bayesopt;

import org.hipparchus.special.Erf;

/**
 * Acquisition functions for minimisation, on a process's standardised mean {@code m} and standard deviation
 * {@code s} with {@code best} the smallest standardised observation; larger values are more promising.
 */
public enum Acquisition {
    /** {@code E[max(best - f - xi, 0)] = (best - m - xi) Phi(z) + s phi(z)}, {@code z = (best - m - xi) / s}. */
    EXPECTED_IMPROVEMENT {
        @Override
        public double value(double m, double s, double best, double xi, double kappa) {
            double improvement = best - m - xi;
            if (s <= 0) {
                return Math.max(improvement, 0);
            }
            double z = improvement / s;
            return improvement * cdf(z) + s * pdf(z);
        }
    },
    /** {@code P(f < best - xi) = Phi((best - m - xi) / s)}. */
    PROBABILITY_OF_IMPROVEMENT {
        @Override
        public double value(double m, double s, double best, double xi, double kappa) {
            double improvement = best - m - xi;
            if (s <= 0) {
                return improvement > 0 ? 1 : 0;
            }
            return cdf(improvement / s);
        }
    },
    /** The upper confidence bound of {@code -f}: {@code -(m - kappa s)}. */
    UPPER_CONFIDENCE_BOUND {
        @Override
        public double value(double m, double s, double best, double xi, double kappa) {
            return -(m - kappa * s);
        }
    };

    /**
     * @param m posterior mean (standardised)
     * @param s posterior standard deviation (standardised)
     * @param best smallest standardised observation
     * @param xi exploration margin of EI and PI
     * @param kappa width of the confidence bound
     */
    public abstract double value(double m, double s, double best, double xi, double kappa);

    static double cdf(double z) {
        return 0.5 * Erf.erfc(-z / Math.sqrt(2));
    }

    static double pdf(double z) {
        return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    }
}
