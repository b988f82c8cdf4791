package io.optimesh.law.backtest;

import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FittedLaw;
import java.util.List;

/**
 * A law fitted on some curves and scored on others.
 *
 * @param fitCurves names of the curves the law was fitted on
 * @param law the fitted law
 * @param curves errors on each test curve, at its logged steps
 * @param overall errors over all points of all test curves
 * @param coverage fraction of test points inside their prediction interval
 * @param level the intervals' nominal coverage
 */
public record BacktestReport(List<String> fitCurves, FittedLaw law, List<CurveError> curves, CurveError overall,
        double coverage, double level) {

    public BacktestReport {
        fitCurves = List.copyOf(fitCurves);
        curves = List.copyOf(curves);
    }
}
