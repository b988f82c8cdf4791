package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.intParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchSpace;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

class SobolSamplerTest {

    private static final SearchSpace UNIT_SQUARE =
            SearchSpace.newBuilder()
                    .addParameters(floatParam("weight_decay", 0.0, 1.0, false))
                    .addParameters(floatParam("warmup_fraction", 0.0, 1.0, false))
                    .build();

    private static Map<String, ParameterValue> propose(Sampler s, int index) {
        return s.propose(index, List.of()).orElseThrow();
    }

    @Test
    void theUnshiftedPointsAreTheSobolSequence() {
        // Joe-Kuo direction numbers in Gray-code order: the sequence scipy.stats.qmc.Sobol
        // (scramble=False) also gives.
        double[][] known = {
            {0, 0}, {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75},
            {0.375, 0.375}, {0.875, 0.875}, {0.625, 0.125}, {0.125, 0.625}
        };
        SobolSampler s = new SobolSampler(UNIT_SQUARE, 7);
        for (int i = 0; i < known.length; i++) {
            assertThat(s.plainPoint(i)).containsExactly(known[i]);
        }
        // Out of order: a point depends on its index only.
        assertThat(s.plainPoint(5)).containsExactly(0.875, 0.875);
        assertThat(s.plainPoint(2)).containsExactly(0.75, 0.25);
    }

    @Test
    void proposalsAreTheSequenceDigitallyShiftedByTheSeed() {
        SobolSampler s = new SobolSampler(UNIT_SQUARE, 7);
        double[] first = s.point(0);
        // Point 0 is the origin, so its shifted image is the shift itself: off the corner.
        assertThat(first[0]).isNotEqualTo(0.0);
        for (int i = 0; i < 16; i++) {
            double[] plain = s.plainPoint(i);
            double[] shifted = s.point(i);
            for (int j = 0; j < 2; j++) {
                long expected = (long) (plain[j] * 0x1p52) ^ (long) (first[j] * 0x1p52);
                assertThat((long) (shifted[j] * 0x1p52)).isEqualTo(expected);
            }
            Map<String, ParameterValue> p = propose(s, i);
            assertThat(p.get("weight_decay").getFloatValue()).isEqualTo(shifted[0]);
            assertThat(p.get("warmup_fraction").getFloatValue()).isEqualTo(shifted[1]);
        }
    }

    @Test
    void theFirstSixteenPointsFillEveryElementaryBoxOnce() {
        // Sobol's first two dimensions form a (0, m, 2)-net, and a digital shift keeps it one:
        // for every split of 16 into 2^a x 2^b boxes, each box holds exactly one point.
        for (long seed : new long[] {1, 2, 3}) {
            SobolSampler s = new SobolSampler(UNIT_SQUARE, seed);
            for (int a = 0; a <= 4; a++) {
                int b = 4 - a;
                Set<Integer> boxes = new HashSet<>();
                for (int i = 0; i < 16; i++) {
                    Map<String, ParameterValue> p = propose(s, i);
                    int bx = (int) (p.get("weight_decay").getFloatValue() * (1 << a));
                    int by = (int) (p.get("warmup_fraction").getFloatValue() * (1 << b));
                    boxes.add(bx * 16 + by);
                }
                assertThat(boxes).as("seed %d, %d x %d boxes", seed, 1 << a, 1 << b).hasSize(16);
            }
        }
    }

    @Test
    void categoriesIntegersAndLogScalesAreStratified() {
        SearchSpace space =
                SearchSpace.newBuilder()
                        .addParameters(
                                categorical("optimizer", "sgd", "adamw", "lion", "adafactor"))
                        .addParameters(intParam("batch_size", 1, 8, false))
                        .addParameters(floatParam("learning_rate", 1e-4, 1e-2, true))
                        .build();
        SobolSampler s = new SobolSampler(space, 11);
        Set<String> optimizers = new HashSet<>();
        Set<Long> batches = new HashSet<>();
        int decades = 0;
        for (int i = 0; i < 8; i++) {
            Map<String, ParameterValue> p = propose(s, i);
            if (i < 4) {
                optimizers.add(p.get("optimizer").getCategoricalValue());
            }
            batches.add(p.get("batch_size").getIntValue());
            if (p.get("learning_rate").getFloatValue() < 1e-3) {
                decades++;
            }
        }
        // Four points take the four categories, eight the eight integers, and half of them fall
        // in the lower decade of the log range.
        assertThat(optimizers).containsExactlyInAnyOrder("sgd", "adamw", "lion", "adafactor");
        assertThat(batches).hasSize(8);
        assertThat(decades).isEqualTo(4);
    }

    @Test
    void aSeedDeterminesTheDesignAndConditionsAreHonoured() {
        SearchSpace space =
                SearchSpace.newBuilder()
                        .addParameters(categorical("optimizer", "adamw", "sgd"))
                        .addParameters(
                                when(floatParam("momentum", 0.8, 0.99, false), "optimizer", "sgd"))
                        .build();
        SobolSampler a = new SobolSampler(space, 5);
        SobolSampler b = new SobolSampler(space, 5);
        for (int i = 0; i < 32; i++) {
            Map<String, ParameterValue> p = propose(a, i);
            assertThat(p).isEqualTo(propose(b, i));
            assertThat(p.containsKey("momentum"))
                    .isEqualTo(p.get("optimizer").getCategoricalValue().equals("sgd"));
        }
        // Another seed shifts every coordinate of every point.
        SobolSampler five = new SobolSampler(UNIT_SQUARE, 5);
        SobolSampler six = new SobolSampler(UNIT_SQUARE, 6);
        for (int i = 0; i < 32; i++) {
            Map<String, ParameterValue> p = propose(five, i);
            Map<String, ParameterValue> q = propose(six, i);
            assertThat(p.get("weight_decay")).isNotEqualTo(q.get("weight_decay"));
            assertThat(p.get("warmup_fraction")).isNotEqualTo(q.get("warmup_fraction"));
        }
    }

    @Test
    void onASmoothObjectiveItDoesAtLeastAsWellAsRandom() {
        double sobol =
                SequentialStudy.medianBest(
                        seed -> new SobolSampler(SequentialStudy.SMOOTH, seed),
                        21,
                        32,
                        SequentialStudy::smooth);
        double random =
                SequentialStudy.medianBest(
                        seed -> new RandomSampler(SequentialStudy.SMOOTH, seed),
                        21,
                        32,
                        SequentialStudy::smooth);
        System.out.printf("median best after 32 trials: sobol %.4f, random %.4f%n", sobol, random);
        assertThat(sobol - 1.6).isLessThanOrEqualTo(random - 1.6);
    }
}
