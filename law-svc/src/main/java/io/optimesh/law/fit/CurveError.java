package io.optimesh.law.fit;

/**
 * How far a law's predictions are from one curve's logged losses.
 *
 * @param name the curve
 * @param points number of logged points compared
 * @param meanRelativeError mean of |predicted - actual| / actual
 * @param worstRelativeError largest |predicted - actual| / actual
 * @param rmse root mean square of predicted - actual, in loss units
 */
public record CurveError(String name, int points, double meanRelativeError, double worstRelativeError, double rmse) {

    public static CurveError of(String name, double[] predicted, double[] actual) {
        if (predicted.length != actual.length || actual.length == 0) {
            throw new IllegalArgumentException("need as many predictions as losses, and at least one");
        }
        double sum = 0;
        double worst = 0;
        double squares = 0;
        for (int i = 0; i < actual.length; i++) {
            double diff = predicted[i] - actual[i];
            double rel = Math.abs(diff) / actual[i];
            sum += rel;
            worst = Math.max(worst, Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel);
            squares += diff * diff;
        }
        return new CurveError(name, actual.length, sum / actual.length, worst, Math.sqrt(squares / actual.length));
    }

    /** The errors over all points of several curves together, named {@code name}. */
    public static CurveError pooled(String name, Iterable<CurveError> curves) {
        int points = 0;
        double sum = 0;
        double worst = 0;
        double squares = 0;
        for (CurveError c : curves) {
            points += c.points;
            sum += c.meanRelativeError * c.points;
            worst = Math.max(worst, c.worstRelativeError);
            squares += c.rmse * c.rmse * c.points;
        }
        if (points == 0) {
            throw new IllegalArgumentException("no curves to pool");
        }
        return new CurveError(name, points, sum / points, worst, Math.sqrt(squares / points));
    }
}
