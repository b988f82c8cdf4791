package io.optimesh.coordinator.pruning;

import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Law-based stopping: a trial is pruned when even the lower bound of its predicted final loss is
 * no better than the incumbent, the best final loss a trial of the study has reached. Without an
 * incumbent or a forecast it goes on; a NaN report prunes at once.
 */
public final class LawPruner implements Pruner {

    private final LossForecast forecasts;

    public LawPruner(LossForecast forecasts) {
        this.forecasts = forecasts;
    }

    @Override
    public PruneDecision decide(Trial trial, List<Trial> trials) {
        if (trial.getIntermediateValuesCount() > 0
                && Double.isNaN(Reports.last(trial).getValue())) {
            return PruneDecision.prune("loss is NaN at step " + Reports.last(trial).getStep());
        }
        Optional<Trial> incumbent =
                trials.stream()
                        .filter(t -> !t.getName().equals(trial.getName()))
                        .filter(t -> t.getState() == TrialState.TRIAL_STATE_SUCCEEDED)
                        .filter(t -> t.hasObjectiveValue())
                        .filter(t -> Double.isFinite(t.getObjectiveValue()))
                        .min(Comparator.comparingDouble(Trial::getObjectiveValue));
        if (incumbent.isEmpty()) {
            return PruneDecision.proceed("no incumbent yet");
        }
        Optional<LossForecast.Forecast> forecast = forecasts.forecast(trial);
        if (forecast.isEmpty()) {
            return PruneDecision.proceed("no law forecast yet");
        }
        LossForecast.Forecast f = forecast.get();
        double best = incumbent.get().getObjectiveValue();
        String prediction =
                String.format(
                        "law predicts final loss %.6g in [%.6g, %.6g] at step %d (fitted through"
                                + " step %d)",
                        f.value(), f.lower(), f.upper(), f.finalStep(), f.observedStep());
        if (f.lower() >= best) {
            return PruneDecision.prune(
                    String.format(
                            "%s: even the lower bound cannot beat the incumbent %.6g (%s)",
                            prediction, best, incumbent.get().getName()));
        }
        return PruneDecision.proceed(
                String.format("%s: may still beat the incumbent %.6g", prediction, best));
    }
}
