package io.optimesh.law.fit;

/**
 * A law's predicted losses at some steps, each with an interval.
 *
 * <p>The interval {@code [lower, upper]} is where a logged loss is expected with probability
 * {@code level}: it combines the fitted parameters' uncertainty (propagated through the law's
 * derivatives) with the fit set's point-to-point noise, both on the log scale, widened by the law's
 * {@link FittedLaw#intervalScale()} (calibrated on curves held out of its fit).
 *
 * @param steps the steps predicted
 * @param losses predicted loss at each step
 * @param lower lower end of the interval at each step
 * @param upper upper end of the interval at each step
 * @param level the interval's nominal coverage, e.g. 0.95
 */
public record Prediction(int[] steps, double[] losses, double[] lower, double[] upper, double level) {

    public int size() {
        return steps.length;
    }

    /** The predicted loss at the last step. */
    public double finalLoss() {
        return losses[losses.length - 1];
    }

    /** Errors of these predictions against losses logged at the same steps. */
    public CurveError errorAgainst(String name, double[] actual) {
        return CurveError.of(name, losses, actual);
    }

    /** Standard deviation of log(loss) at point i that the interval stands for: its half-width over z. */
    public double logSigma(int i) {
        double z = new org.hipparchus.distribution.continuous.NormalDistribution(0, 1)
                .inverseCumulativeProbability(0.5 + level / 2);
        return Math.log(upper[i] / losses[i]) / z;
    }

    /** Fraction of {@code actual} losses that fall inside their interval. */
    public double coverage(double[] actual) {
        if (actual.length != losses.length) {
            throw new IllegalArgumentException("need one actual loss per predicted step");
        }
        int inside = 0;
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] >= lower[i] && actual[i] <= upper[i]) {
                inside++;
            }
        }
        return (double) inside / actual.length;
    }
}
