package io.optimesh.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

/** Each update rule against steps worked out by hand (in double; the rules run in fp32). */
class AlgorithmsTest {

    private static final double FP32 = 2e-7;

    @Test
    void sgdStepsAgainstTheGradientPlusL2() {
        UpdateRule sgd = new Sgd().configure(Map.of());
        float[] p = {1.0f, -2.0f};
        // lr 0.1, wd 0.1: g + wd p = 0.5 + 0.1 = 0.6 and 0.25 - 0.2 = 0.05
        sgd.apply(p, new float[] {0.5f, 0.25f}, new float[0][], 1, 0.1, 0.1);
        assertThat(p[0]).isCloseTo(0.94f, within((float) FP32));
        assertThat(p[1]).isCloseTo(-2.005f, within((float) FP32));
    }

    @Test
    void momentumAccumulatesAVelocity() {
        UpdateRule momentum = new Momentum().configure(Map.of());
        float[] p = {1.0f};
        float[][] state = {new float[1]};
        // mu 0.9, lr 0.1: b = 1 -> p = 0.9; b = 0.9 + 0.5 = 1.4 -> p = 0.76; b = 1.26 -> p = 0.634
        momentum.apply(p, new float[] {1.0f}, state, 1, 0.1, 0);
        assertThat(p[0]).isCloseTo(0.9f, within((float) FP32));
        momentum.apply(p, new float[] {0.5f}, state, 2, 0.1, 0);
        assertThat(state[0][0]).isCloseTo(1.4f, within((float) FP32));
        assertThat(p[0]).isCloseTo(0.76f, within((float) FP32));
        momentum.apply(p, new float[] {0.0f}, state, 3, 0.1, 0);
        assertThat(p[0]).isCloseTo(0.634f, within((float) FP32));
    }

    @Test
    void momentumReadsItsHyperparameter() {
        UpdateRule momentum = new Momentum().configure(Map.of("momentum", 0.5));
        float[] p = {1.0f};
        float[][] state = {new float[1]};
        momentum.apply(p, new float[] {1.0f}, state, 1, 0.1, 0);
        momentum.apply(p, new float[] {1.0f}, state, 2, 0.1, 0);
        // b = 1, then 0.5 + 1 = 1.5: p = 1 - 0.1 - 0.15
        assertThat(p[0]).isCloseTo(0.75f, within((float) FP32));
    }

    @Test
    void adamTakesBiasCorrectedSteps() {
        UpdateRule adam = Adam.adam().configure(Map.of());
        float[] p = {1.0f};
        float[][] state = {new float[1], new float[1]};
        // Step 1, g = 0.5: m = 0.05, v = 0.00025; corrected they are g and g^2, so the step is
        // lr g / (|g| + eps) = 0.1 * 0.5 / (0.5 + 1e-8).
        adam.apply(p, new float[] {0.5f}, state, 1, 0.1, 0);
        assertThat(state[0][0]).isCloseTo(0.05f, within((float) FP32));
        assertThat(state[1][0]).isCloseTo(0.00025f, within(1e-11f));
        double p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
        assertThat((double) p[0]).isCloseTo(p1, within(FP32));
        // Step 2, g = -1: m = 0.05 + 0.1 (-1 - 0.05) = -0.055, v = 0.999 * 0.00025 + 0.001 =
        // 0.00124975,
        // 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999.
        adam.apply(p, new float[] {-1.0f}, state, 2, 0.1, 0);
        assertThat(state[0][0]).isCloseTo(-0.055f, within((float) FP32));
        assertThat(state[1][0]).isCloseTo(0.00124975f, within(1e-10f));
        double p2 =
                p1 - (0.1 / 0.19) * -0.055 / (Math.sqrt(0.00124975) / Math.sqrt(0.001999) + 1e-8);
        assertThat((double) p[0]).isCloseTo(p2, within(FP32));
        assertThat(p2).isCloseTo(0.93661035, within(1e-8));
    }

    @Test
    void adamAddsWeightDecayToTheGradient() {
        UpdateRule adam = Adam.adam().configure(Map.of());
        float[] p = {1.0f};
        float[][] state = {new float[1], new float[1]};
        // g = 0.5 + 0.1 * 1 = 0.6: the first step is still lr g / (|g| + eps), the decay all but
        // vanishes.
        adam.apply(p, new float[] {0.5f}, state, 1, 0.1, 0.1);
        assertThat((double) p[0]).isCloseTo(1 - 0.1 * 0.6 / (0.6 + 1e-8), within(FP32));
        assertThat(state[0][0]).isCloseTo(0.06f, within((float) FP32));
    }

    @Test
    void adamWShrinksTheWeightsOutsideTheAdaptiveStep() {
        UpdateRule adamW = Adam.adamW().configure(Map.of());
        float[] p = {1.0f};
        float[][] state = {new float[1], new float[1]};
        // p = 1 (1 - 0.1 * 0.1) = 0.99, then the Adam step of step 1: 0.99 - 0.1 * 0.5 / (0.5 +
        // 1e-8)
        adamW.apply(p, new float[] {0.5f}, state, 1, 0.1, 0.1);
        double p1 = 0.99 - 0.1 * 0.5 / (0.5 + 1e-8);
        assertThat((double) p[0]).isCloseTo(p1, within(FP32));
        assertThat(state[0][0]).isCloseTo(0.05f, within((float) FP32));
        adamW.apply(p, new float[] {-1.0f}, state, 2, 0.1, 0.1);
        double p2 =
                p1 * 0.99
                        + (0.1 / 0.19)
                                * 0.055
                                / (Math.sqrt(0.00124975) / Math.sqrt(0.001999) + 1e-8);
        assertThat((double) p[0]).isCloseTo(p2, within(FP32));
    }

    @Test
    void adamReadsItsHyperparameters() {
        // With eps = 1e-3 the first step is lr g / (|g| + eps) = 0.1 * 0.5 / 0.501.
        UpdateRule adam = Adam.adam().configure(Map.of("eps", 1e-3, "beta1", 0.5));
        float[] p = {1.0f};
        float[][] state = {new float[1], new float[1]};
        adam.apply(p, new float[] {0.5f}, state, 1, 0.1, 0);
        assertThat((double) p[0]).isCloseTo(1 - 0.1 * 0.5 / 0.501, within(FP32));
        assertThat(state[0][0]).isCloseTo(0.25f, within((float) FP32));
    }

    @Test
    void sgdMomentumAdamAndAdamWConvergeOnAnIllConditionedQuadratic() {
        assertThat(Problems.distanceAfter(new Sgd(), Map.of(), 0.4, 1000)).isLessThan(1e-4);
        assertThat(Problems.distanceAfter(new Momentum(), Map.of(), 0.1, 1000)).isLessThan(1e-4);
        assertThat(Problems.distanceAfter(Adam.adam(), Map.of(), 0.02, 3000)).isLessThan(1e-3);
        assertThat(Problems.distanceAfter(Adam.adamW(), Map.of(), 0.02, 3000)).isLessThan(1e-3);
    }

    @Test
    void unknownOrOutOfRangeHyperparametersAreRefused() {
        assertThatThrownBy(() -> Adam.adamW().configure(Map.of("momentum", 0.9)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "adamw has no hyper-parameter 'momentum'; it reads [beta1, beta2, eps]");
        assertThatThrownBy(() -> Adam.adam().configure(Map.of("beta2", 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adam beta2 must be in [0.0, 0.99999], got 1.0");
        assertThatThrownBy(() -> new Momentum().configure(Map.of("momentum", Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sgd().configure(Map.of("lr", 0.1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mismatchedArraysAreRefused() {
        UpdateRule adam = Adam.adam().configure(Map.of());
        assertThatThrownBy(
                        () ->
                                adam.apply(
                                        new float[2],
                                        new float[3],
                                        new float[][] {new float[2], new float[2]},
                                        1,
                                        0.1,
                                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("3 gradients for 2 parameters");
        assertThatThrownBy(
                        () ->
                                adam.apply(
                                        new float[2],
                                        new float[2],
                                        new float[][] {new float[2]},
                                        1,
                                        0.1,
                                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected 2 state arrays, got 1");
        assertThatThrownBy(
                        () ->
                                adam.apply(
                                        new float[1],
                                        new float[1],
                                        new float[][] {new float[1], new float[1]},
                                        0,
                                        0.1,
                                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Adam steps count from 1, got 0");
    }

    @Test
    void theCatalogListsTheImplementedAlgorithmsWithConsistentDescriptions() {
        assertThat(AlgorithmCatalog.all())
                .extracting(Algorithm::name)
                .containsExactly(
                        "sgd",
                        "momentum",
                        "adam",
                        "adamw",
                        "nesterov",
                        "adagrad",
                        "rmsprop",
                        "adamax",
                        "nadam",
                        "radam",
                        "lion",
                        "lamb",
                        "adafactor",
                        "schedule-free-adamw",
                        "muon",
                        "seed-adaptive");
        for (Algorithm algorithm : AlgorithmCatalog.all()) {
            // Every default spelled out configures the same rule as none, and a step goes downhill.
            Map<String, Double> defaults = new HashMap<>();
            algorithm.hyperparameters().forEach(h -> defaults.put(h.name(), h.defaultValue()));
            float[] explicit = {1.0f, -1.0f};
            float[] implicit = {1.0f, -1.0f};
            float[] gradients = {0.5f, -0.5f};
            int[] shape = {2};
            algorithm
                    .configure(defaults)
                    .apply(explicit, gradients, algorithm.newState(shape), 1, 0.01, 0.1);
            algorithm
                    .configure(Map.of())
                    .apply(implicit, gradients, algorithm.newState(shape), 1, 0.01, 0.1);
            assertThat(explicit).as(algorithm.name()).containsExactly(implicit);
            assertThat(explicit[0]).as(algorithm.name()).isLessThan(1.0f);
            assertThat(explicit[1]).as(algorithm.name()).isGreaterThan(-1.0f);
        }
        assertThat(AlgorithmCatalog.all())
                .filteredOn(Algorithm::decoupledWeightDecay)
                .extracting(Algorithm::name)
                .containsExactly(
                        "adamw", "lion", "lamb", "adafactor", "schedule-free-adamw", "muon");
    }
}
