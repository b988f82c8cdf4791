package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.intParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchSpace;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

class RandomSamplerTest {

    private static final SearchSpace LR =
            SearchSpace.newBuilder()
                    .addParameters(floatParam("learning_rate", 1e-5, 1e-1, true))
                    .build();

    private static Map<String, ParameterValue> propose(RandomSampler s, int index) {
        return s.propose(index, List.of()).orElseThrow();
    }

    @Test
    void aSeedAndAnIndexDetermineTheProposal() {
        RandomSampler a = new RandomSampler(LR, 42);
        RandomSampler b = new RandomSampler(LR, 42);
        for (int i = 0; i < 20; i++) {
            assertThat(propose(a, i)).isEqualTo(propose(b, i));
        }
        // Out of order and repeated: the same values, so a restarted study proposes what it would
        // have.
        assertThat(propose(b, 7)).isEqualTo(propose(a, 7));
        assertThat(propose(a, 3)).isEqualTo(propose(a, 3));
    }

    @Test
    void otherSeedsAndOtherIndicesGiveOtherValues() {
        RandomSampler a = new RandomSampler(LR, 42);
        RandomSampler c = new RandomSampler(LR, 43);
        Set<Double> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(propose(a, i).get("learning_rate").getFloatValue());
            seen.add(propose(c, i).get("learning_rate").getFloatValue());
        }
        assertThat(seen).hasSize(100);
    }

    @Test
    void logScaleDrawsStayInBoundsAndSpreadEvenlyOverDecades() {
        RandomSampler s = new RandomSampler(LR, 7);
        int n = 4000;
        int[] perDecade = new int[4];
        for (int i = 0; i < n; i++) {
            double lr = propose(s, i).get("learning_rate").getFloatValue();
            assertThat(lr).isBetween(1e-5, 1e-1);
            perDecade[(int) Math.min(3, Math.floor(Math.log10(lr) + 5))]++;
        }
        // Log-uniform over four decades: a quarter in each (a linear draw would put 90% in the
        // last).
        for (int count : perDecade) {
            assertThat(count / (double) n).isCloseTo(0.25, within(0.03));
        }
    }

    @Test
    void linearDrawsAreUniform() {
        SearchSpace space =
                SearchSpace.newBuilder()
                        .addParameters(floatParam("weight_decay", 0, 0.2, false))
                        .build();
        RandomSampler s = new RandomSampler(space, 11);
        double sum = 0;
        int n = 4000;
        for (int i = 0; i < n; i++) {
            double x = propose(s, i).get("weight_decay").getFloatValue();
            assertThat(x).isBetween(0.0, 0.2);
            sum += x;
        }
        assertThat(sum / n).isCloseTo(0.1, within(0.005));
    }

    @Test
    void logScaleIntegersAreLogUniformAndIncludeBothBounds() {
        SearchSpace space =
                SearchSpace.newBuilder()
                        .addParameters(intParam("batch_size", 1, 1024, true))
                        .build();
        RandomSampler s = new RandomSampler(space, 5);
        int n = 4000;
        int below32 = 0;
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            long k = propose(s, i).get("batch_size").getIntValue();
            assertThat(k).isBetween(1L, 1024L);
            seen.add(k);
            if (k < 32) {
                below32++;
            }
        }
        // P(k < 32) = ln 32 / ln 1025 = 0.4999.
        assertThat(below32 / (double) n).isCloseTo(0.5, within(0.03));
        assertThat(seen).contains(1L);
    }

    @Test
    void linearIntegersCoverTheRangeBoundsIncluded() {
        SearchSpace space =
                SearchSpace.newBuilder().addParameters(intParam("batch_size", 4, 8, false)).build();
        RandomSampler s = new RandomSampler(space, 5);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(propose(s, i).get("batch_size").getIntValue());
        }
        assertThat(seen).containsExactlyInAnyOrder(4L, 5L, 6L, 7L, 8L);
    }

    @Test
    void conditionalParametersAppearExactlyWhenTheirConditionHolds() {
        SearchSpace space =
                SearchSpace.newBuilder()
                        // The child is declared before its parent: the sampler orders them.
                        .addParameters(
                                when(floatParam("momentum", 0.8, 0.99, false), "optimizer", "sgd"))
                        .addParameters(categorical("optimizer", "adamw", "sgd", "lion"))
                        .addParameters(
                                when(
                                        floatParam("beta2", 0.9, 0.999, false),
                                        "optimizer",
                                        "adamw",
                                        "lion"))
                        .build();
        RandomSampler s = new RandomSampler(space, 3);
        Set<String> optimizers = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            Map<String, ParameterValue> p = propose(s, i);
            String optimizer = p.get("optimizer").getCategoricalValue();
            optimizers.add(optimizer);
            assertThat(p.containsKey("momentum")).isEqualTo(optimizer.equals("sgd"));
            assertThat(p.containsKey("beta2")).isEqualTo(!optimizer.equals("sgd"));
            assertThat(p).hasSize(2);
        }
        assertThat(optimizers).containsExactlyInAnyOrder("adamw", "sgd", "lion");
    }
}
