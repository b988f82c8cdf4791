package io.optimesh.coordinator.pruning;

import static io.optimesh.v1.TrialState.TRIAL_STATE_PRUNED;
import static io.optimesh.v1.TrialState.TRIAL_STATE_RUNNING;
import static io.optimesh.v1.TrialState.TRIAL_STATE_SUCCEEDED;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.Trial;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

class LawPrunerTest {

    /** Forecasts by run, as the predictions topic delivers them. */
    private final Map<String, LossForecast.Forecast> byRun = new HashMap<>();

    private final LawPruner pruner =
            new LawPruner(trial -> Optional.ofNullable(byRun.get(trial.getRun())));

    private static final Trial INCUMBENT =
            Curves.trial("studies/s/trials/1", TRIAL_STATE_SUCCEEDED, 1.8, 25, 50, 75, 100);

    private static Trial running(double finalLoss) {
        return Curves.trial("studies/s/trials/2", TRIAL_STATE_RUNNING, finalLoss, 25).toBuilder()
                .setRun("runs/r2")
                .build();
    }

    private void forecast(double value, double lower, double upper) {
        byRun.put("runs/r2", new LossForecast.Forecast(100, 25, value, lower, upper));
    }

    @Test
    void aTrialWhoseLowerBoundCannotBeatTheIncumbentIsPruned() {
        Trial t = running(2.0);
        forecast(2.0, 1.85, 2.2);
        PruneDecision d = pruner.decide(t, List.of(INCUMBENT, t));
        assertThat(d.pruned()).isTrue();
        assertThat(d.reason())
                .isEqualTo(
                        "law predicts final loss 2.00000 in [1.85000, 2.20000] at step 100"
                                + " (fitted through step 25): even the lower bound cannot beat"
                                + " the incumbent 1.80000 (studies/s/trials/1)");
        // A tie cannot beat it either.
        forecast(2.0, 1.8, 2.2);
        assertThat(pruner.decide(t, List.of(INCUMBENT, t)).pruned()).isTrue();
    }

    @Test
    void aTrialWhoseIntervalReachesBelowTheIncumbentGoesOn() {
        Trial t = running(2.0);
        // The point prediction is worse, but the interval leaves room.
        forecast(1.95, 1.79, 2.1);
        PruneDecision d = pruner.decide(t, List.of(INCUMBENT, t));
        assertThat(d.pruned()).isFalse();
        assertThat(d.reason()).endsWith("may still beat the incumbent 1.80000");
    }

    @Test
    void withoutAnIncumbentOrAForecastItWaits() {
        Trial t = running(2.0);
        forecast(2.5, 2.4, 2.6);
        Trial prunedOther =
                Curves.trial("studies/s/trials/3", TRIAL_STATE_PRUNED, 1.0, 25);
        assertThat(pruner.decide(t, List.of(prunedOther, t)).reason())
                .isEqualTo("no incumbent yet");
        byRun.clear();
        assertThat(pruner.decide(t, List.of(INCUMBENT, t)).reason())
                .isEqualTo("no law forecast yet");
    }

    @Test
    void aNanReportPrunesAtOnce() {
        Trial nan =
                Curves.reports(
                        "studies/s/trials/2",
                        TRIAL_STATE_RUNNING,
                        new long[] {25},
                        new double[] {Double.NaN});
        assertThat(pruner.decide(nan, List.of(nan)).pruned()).isTrue();
    }
}
