package io.optimesh.law.fit;

/**
 * A law's predicted losses at some steps, each with an interval.
 *
 * <p>The interval {@code [lower, upper]} is where a logged loss is expected with probability
 * {@code level}: it combines the fitted parameters' uncertainty (propagated through the law's
 * derivatives) with the fit set's point-to-point noise, both on the log scale.
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
