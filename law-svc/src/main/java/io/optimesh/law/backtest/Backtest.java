package io.optimesh.law.backtest;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.fit.Prediction;
import io.optimesh.law.model.LossLaw;
import java.util.ArrayList;
import java.util.List;

/** Back-tests of a law: fit on some curves, predict others from their schedules alone, score. */
public final class Backtest {

    private final LawFitter fitter;
    private final double level;

    /**
     * @param fitter how to fit
     * @param level nominal coverage of the prediction intervals scored, e.g. 0.95
     */
    public Backtest(LawFitter fitter, double level) {
        this.fitter = fitter;
        this.level = level;
    }

    /** Fits {@code law} on {@code fit} and scores it on {@code test}. */
    public BacktestReport run(LossLaw law, List<LossCurve> fit, List<LossCurve> test) {
        if (test.isEmpty()) {
            throw new IllegalArgumentException("a back-test needs at least one test curve");
        }
        FittedLaw fitted = fitter.fit(law, fit);
        return score(fitted, fit.stream().map(LossCurve::name).toList(), test);
    }

    /** Scores an already fitted law on {@code test}. */
    public BacktestReport score(FittedLaw fitted, List<String> fitNames, List<LossCurve> test) {
        List<CurveError> errors = new ArrayList<>();
        int inside = 0;
        int points = 0;
        for (LossCurve curve : test) {
            Prediction prediction = fitted.predict(curve, level);
            double[] actual = curve.losses();
            errors.add(prediction.errorAgainst(curve.name(), actual));
            inside += (int) Math.round(prediction.coverage(actual) * actual.length);
            points += actual.length;
        }
        return new BacktestReport(fitNames, fitted, errors, CurveError.pooled("test set", errors),
                (double) inside / points, level);
    }

    /**
     * Leave-one-out: for each curve, fits on all the others and predicts it. The pooled errors over
     * all held-out curves are in {@link LeaveOneOut#overall()}.
     */
    public LeaveOneOut leaveOneOut(LossLaw law, List<LossCurve> curves) {
        if (curves.size() < 2) {
            throw new IllegalArgumentException("leave-one-out needs at least two curves");
        }
        List<BacktestReport> folds = new ArrayList<>();
        for (int held = 0; held < curves.size(); held++) {
            List<LossCurve> fit = new ArrayList<>(curves);
            LossCurve test = fit.remove(held);
            folds.add(run(law, fit, List.of(test)));
        }
        return new LeaveOneOut(folds);
    }

    /** The folds of a leave-one-out back-test, one per held-out curve. */
    public record LeaveOneOut(List<BacktestReport> folds) {

        public LeaveOneOut {
            folds = List.copyOf(folds);
        }

        /** Errors over all points of all held-out curves. */
        public CurveError overall() {
            return CurveError.pooled("leave-one-out", folds.stream().flatMap(f -> f.curves().stream()).toList());
        }

        /** Fraction of held-out points inside their prediction interval. */
        public double coverage() {
            double inside = 0;
            int points = 0;
            for (BacktestReport f : folds) {
                inside += f.coverage() * f.overall().points();
                points += f.overall().points();
            }
            return inside / points;
        }
    }
}
