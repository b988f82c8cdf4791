package io.optimesh.law.fit;

import java.util.List;

/**
 * How well a fitted law matches its fit set.
 *
 * @param huberObjective the minimised objective: sum of Huber losses of the log residuals
 * @param overall errors over all points of all fit curves
 * @param curves errors per fit curve
 * @param evaluations law evaluations the fit spent, all starts together
 */
public record FitQuality(double huberObjective, CurveError overall, List<CurveError> curves, int evaluations) {

    public FitQuality {
        curves = List.copyOf(curves);
    }

    public double rmse() {
        return overall.rmse();
    }

    public double meanRelativeError() {
        return overall.meanRelativeError();
    }

    public double worstRelativeError() {
        return overall.worstRelativeError();
    }
}
