package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

class GpBoSamplerTest {

    @Test
    void theStartupTrialsAreTheSobolDesign() {
        GpBoSampler bo = new GpBoSampler(SequentialStudy.SMOOTH, 4);
        SobolSampler sobol = new SobolSampler(SequentialStudy.SMOOTH, 4);
        List<Trial> history = SequentialStudy.run(bo, 10, SequentialStudy::smooth);
        for (int i = 0; i < 10; i++) {
            assertThat(history.get(i).getParametersMap())
                    .isEqualTo(sobol.propose(i, List.of()).orElseThrow());
        }
        assertThat(bo.propose(10, history)).isNotEqualTo(sobol.propose(10, history));
    }

    @Test
    void theSeedTheIndexAndTheHistoryDetermineTheProposal() {
        List<Trial> history =
                SequentialStudy.run(
                        new GpBoSampler(SequentialStudy.SMOOTH, 3), 14, SequentialStudy::smooth);
        assertThat(new GpBoSampler(SequentialStudy.SMOOTH, 3).propose(14, history))
                .isEqualTo(new GpBoSampler(SequentialStudy.SMOOTH, 3).propose(14, history));
    }

    @Test
    void overTwentySeedsItBeatsRandomSearchAtEqualBudget() {
        // Eight Sobol points, then ten GP proposals: the fits dominate the test's time.
        double bo =
                SequentialStudy.medianBest(
                        seed -> new GpBoSampler(SequentialStudy.SMOOTH, seed, 8),
                        20,
                        18,
                        SequentialStudy::smooth);
        double random =
                SequentialStudy.medianBest(
                        seed -> new RandomSampler(SequentialStudy.SMOOTH, seed),
                        20,
                        18,
                        SequentialStudy::smooth);
        System.out.printf("median best after 18 trials: gp-bo %.4f, random %.4f%n", bo, random);
        assertThat(bo - 1.6).isLessThan(0.5 * (random - 1.6));
    }

    @Test
    void categoricalAndConditionalParametersAreDrawnAtRandom() {
        SearchSpace space =
                SequentialStudy.SMOOTH.toBuilder()
                        .addParameters(categorical("optimizer", "adamw", "sgd"))
                        .addParameters(
                                when(floatParam("momentum", 0.5, 0.99, false), "optimizer", "sgd"))
                        .build();
        List<Trial> history =
                SequentialStudy.run(new GpBoSampler(space, 6), 14, SequentialStudy::smooth);
        for (Trial t : history) {
            Map<String, ParameterValue> p = t.getParametersMap();
            assertThat(p.containsKey("momentum"))
                    .isEqualTo(p.get("optimizer").getCategoricalValue().equals("sgd"));
            assertThat(p).containsKeys("learning_rate", "weight_decay", "warmup_fraction");
        }
    }
}
