package io.optimesh.core.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParallelUpdatesTest {

    private static float[] gaussian(Random random, int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    /** Three steps of {@code algorithm} on tensors of awkward sizes, on {@code threads} cores. */
    private static List<float[]> run(Algorithm algorithm, int threads) {
        int[] sizes = {1, 7, ParallelUpdates.MIN_CHUNK + 3, 5 * ParallelUpdates.MIN_CHUNK - 1, 1000};
        Random random = new Random(11);
        List<float[]> parameters = new ArrayList<>();
        List<float[][]> states = new ArrayList<>();
        for (int size : sizes) {
            parameters.add(gaussian(random, size, 1f));
            states.add(algorithm.newState(new int[] {size}));
        }
        UpdateRule rule = algorithm.configure(Map.of());
        try (ParallelUpdates updates = new ParallelUpdates(threads)) {
            for (int step = 1; step <= 3; step++) {
                List<ParallelUpdates.Job> jobs = new ArrayList<>();
                for (int t = 0; t < sizes.length; t++) {
                    jobs.add(new ParallelUpdates.Job(parameters.get(t), gaussian(random, sizes[t], 0.1f),
                            new int[] {sizes[t]}, states.get(t), step, t % 2 == 0 ? 0.1 : 0.0));
                }
                updates.apply(rule, jobs, 1e-2);
            }
        }
        List<float[]> out = new ArrayList<>(parameters);
        for (float[][] state : states) {
            out.addAll(List.of(state));
        }
        return out;
    }

    @Test
    void chunkedAdamWIsBitIdenticalToOneSequentialPass() {
        assertThat(Adam.adamW().configure(Map.of())).isInstanceOf(ElementwiseRule.class);
        List<float[]> sequential = run(Adam.adamW(), 1);
        for (int threads : new int[] {2, 3, 8}) {
            List<float[]> parallel = run(Adam.adamW(), threads);
            for (int i = 0; i < sequential.size(); i++) {
                assertThat(parallel.get(i)).as("array %d on %d threads", i, threads).isEqualTo(sequential.get(i));
            }
        }
    }

    @Test
    void wholeTensorRulesRunOneTaskPerTensorWithTheSameResult() {
        for (Algorithm algorithm : List.of(Adam.adam(), new Lion(), new RmsProp())) {
            List<float[]> sequential = run(algorithm, 1);
            List<float[]> parallel = run(algorithm, 4);
            for (int i = 0; i < sequential.size(); i++) {
                assertThat(parallel.get(i)).as("%s array %d", algorithm.name(), i).isEqualTo(sequential.get(i));
            }
        }
    }

    @Test
    void aRangeUpdatesOnlyItsElements() {
        ElementwiseRule rule = (ElementwiseRule) Adam.adamW().configure(Map.of());
        float[] p = {1f, 2f, 3f, 4f};
        float[] g = {0.5f, 0.5f, 0.5f, 0.5f};
        float[][] state = Adam.adamW().newState(new int[] {4});
        rule.applyRange(p, g, state, 1, 0.1, 0.0, 1, 3);
        // Adam's first step moves each weight by lr * sign(g) (up to eps).
        assertThat(p[0]).isEqualTo(1f);
        assertThat(p[3]).isEqualTo(4f);
        assertThat((double) p[1]).isCloseTo(1.9, org.assertj.core.api.Assertions.within(1e-6));
        assertThat((double) p[2]).isCloseTo(2.9, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(state[0][0]).isZero();
        assertThat(state[0][1]).isEqualTo(0.05f);
    }
}
