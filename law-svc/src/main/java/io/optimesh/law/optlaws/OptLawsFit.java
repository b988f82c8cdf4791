package io.optimesh.law.optlaws;

import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FitQuality;
import java.util.ArrayList;
import java.util.List;

/**
 * An Opt-Laws model fitted to runs, with how well it matches their final losses and its own
 * leave-one-out back-test (each finished run predicted by a model fitted on all the other runs).
 *
 * @param model the model fitted on every run
 * @param quality errors on the finished runs' final losses (one point per run)
 * @param backtest leave-one-out errors on the finished runs' final losses, {@code null} when too few
 *     runs remain to fit once one is held out
 */
public record OptLawsFit(OptLawsModel model, FitQuality quality, CurveError backtest) {

    public static OptLawsFit of(List<OptLawsModel.Run> runs) {
        OptLawsModel model = OptLawsModel.fit(runs);
        List<Integer> finished = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            if (!runs.get(i).diverged()) {
                finished.add(i);
            }
        }
        double[] actual = finished.stream().mapToDouble(i -> runs.get(i).finalLoss()).toArray();
        double[] fitted = finished.stream().mapToDouble(i -> model.predict(runs.get(i).features(), 0.9).loss()).toArray();
        double objective = 0;
        for (int k = 0; k < actual.length; k++) {
            double r = Math.log(fitted[k] / actual[k]);
            objective += 0.5 * r * r;
        }
        CurveError fit = CurveError.of("final losses", fitted, actual);
        FitQuality quality = new FitQuality(objective, fit, List.of(fit), 0);
        CurveError backtest = null;
        if (finished.size() > ScheduleFeatures.LOSS.length + 2) {
            double[] held = new double[finished.size()];
            for (int k = 0; k < finished.size(); k++) {
                List<OptLawsModel.Run> others = new ArrayList<>(runs);
                OptLawsModel.Run out = others.remove((int) finished.get(k));
                held[k] = OptLawsModel.fit(others).predict(out.features(), 0.9).loss();
            }
            backtest = CurveError.of("leave-one-out final losses", held, actual);
        }
        return new OptLawsFit(model, quality, backtest);
    }
}
