package io.optimesh.coordinator.pruning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.coordinator.pruning.LossForecast.Forecast;
import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import org.junit.jupiter.api.Test;

import java.util.List;

class LatestForecastsTest {

    private static Trial trial(String run) {
        return Trial.newBuilder().setName("studies/s/trials/1").setRun(run).build();
    }

    @Test
    void theLatestForecastOfEachRunWins() {
        LatestForecasts store = new LatestForecasts();
        assertThat(store.forecast(trial("runs/a"))).isEmpty();

        assertThat(store.offer("runs/a", new Forecast(999, 200, 3.40, 3.20, 3.65))).isTrue();
        assertThat(store.offer("runs/b", new Forecast(999, 100, 4.10, 3.90, 4.30))).isTrue();
        assertThat(store.offer("runs/a", new Forecast(999, 300, 3.31, 3.22, 3.41))).isTrue();

        assertThat(store.forecast(trial("runs/a")))
                .contains(new Forecast(999, 300, 3.31, 3.22, 3.41));
        assertThat(store.forecast(trial("runs/b")))
                .contains(new Forecast(999, 100, 4.10, 3.90, 4.30));
        assertThat(store.forecast(trial("runs/c"))).isEmpty();
        assertThat(store.runs()).isEqualTo(2);
    }

    @Test
    void aForecastFittedOnAnOlderPrefixIsIgnored() {
        LatestForecasts store = new LatestForecasts();
        store.offer("runs/a", new Forecast(999, 300, 3.31, 3.22, 3.41));

        assertThat(store.offer("runs/a", new Forecast(999, 200, 3.40, 3.20, 3.65))).isFalse();
        assertThat(store.forecast(trial("runs/a")))
                .contains(new Forecast(999, 300, 3.31, 3.22, 3.41));

        // A refit through the same step is the newer fit of the same curve.
        assertThat(store.offer("runs/a", new Forecast(999, 300, 3.30, 3.25, 3.36))).isTrue();
        assertThat(store.forecast(trial("runs/a")))
                .contains(new Forecast(999, 300, 3.30, 3.25, 3.36));
    }

    @Test
    void aTrialWithoutARunHasNoForecast() {
        LatestForecasts store = new LatestForecasts();
        store.offer("runs/a", new Forecast(999, 300, 3.31, 3.22, 3.41));
        assertThat(store.forecast(Trial.newBuilder().setName("studies/s/trials/2").build()))
                .isEmpty();
    }

    @Test
    void aForecastThatCannotBoundALossIsRefused() {
        LatestForecasts store = new LatestForecasts();
        assertThatThrownBy(() -> store.offer("runs/a", new Forecast(999, 300, Double.NaN, 3, 4)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.offer("runs/a", new Forecast(999, 300, 3.5, 3.6, 4)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.offer("runs/a", new Forecast(999, -1, 3.5, 3.4, 4)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.offer("", new Forecast(999, 300, 3.5, 3.4, 4)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.runs()).isZero();
    }

    @Test
    void theLawPrunerActsOnTheStoredForecast() {
        LatestForecasts store = new LatestForecasts();
        Trial incumbent =
                Trial.newBuilder()
                        .setName("studies/s/trials/0")
                        .setRun("runs/z")
                        .setState(TrialState.TRIAL_STATE_SUCCEEDED)
                        .setObjectiveValue(3.25)
                        .build();
        Trial running =
                trial("runs/a").toBuilder()
                        .setState(TrialState.TRIAL_STATE_RUNNING)
                        .addIntermediateValues(
                                IntermediateValue.newBuilder()
                                        .setStep(300)
                                        .setValue(3.6))
                        .build();
        LawPruner pruner = new LawPruner(store);
        List<Trial> trials = List.of(incumbent, running);

        store.offer("runs/a", new Forecast(999, 200, 3.40, 3.20, 3.65));
        assertThat(pruner.decide(running, trials).pruned()).isFalse();
        // The refit through step 300 narrows the interval above the incumbent's 3.25.
        store.offer("runs/a", new Forecast(999, 300, 3.31, 3.27, 3.41));
        assertThat(pruner.decide(running, trials).pruned()).isTrue();
        // A late delivery of the older fit changes nothing.
        store.offer("runs/a", new Forecast(999, 200, 3.40, 3.20, 3.65));
        assertThat(pruner.decide(running, trials).pruned()).isTrue();
    }
}
