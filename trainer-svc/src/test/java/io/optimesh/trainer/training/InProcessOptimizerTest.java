package io.optimesh.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.optimesh.core.optim.ParameterGroups;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.model.Torch;
import io.optimesh.v1.ParameterGroup;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InProcessOptimizerTest {

    private static final float[] W = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f};
    private static final float[] B = {0.1f, 0.2f};
    private static final float[][] GW = {{0.1f, -0.2f, 0.3f, 0f, 0.5f, -0.1f}, {0.05f, 0f, -0.4f, 0.2f, 0.1f, 0.3f},
            {-0.3f, 0.2f, 0.1f, -0.1f, 0f, 0.2f}};
    private static final float[][] GB = {{1.0f, -1.0f}, {0.5f, 0.25f}, {-2.0f, 0f}};
    private static final double[] LRS = {1e-2, 5e-3, 2e-2};

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Torch.ENGINE);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void appliesCoresRuleBitExactlyWithWeightDecayOnlyOnTheDecayedGroup() {
        OptimizerSettings settings = OptimizerSettings.of("adamw", Map.of("beta2", 0.95), 0.1);
        Map<String, NDArray> params = parameters();
        UpdateRule rule = settings.rule();
        float[] w = W.clone();
        float[] b = B.clone();
        float[][] wState = settings.algorithm().newState(new int[] {2, 3});
        float[][] bState = settings.algorithm().newState(new int[] {2});
        try (InProcessOptimizer optimizer = new InProcessOptimizer(settings, params)) {
            for (int t = 0; t < 3; t++) {
                double before = Math.sqrt(squares(w) + squares(b));
                float[] oldW = w.clone();
                float[] oldB = b.clone();
                ParameterUpdate.Stats stats = optimizer.apply(params, gradients(t), LRS[t]);
                rule.apply(w, GW[t], new int[] {2, 3}, wState, t + 1, LRS[t], 0.1);
                rule.apply(b, GB[t], new int[] {2}, bState, t + 1, LRS[t], 0.0);
                assertThat(params.get("fc.weight").toFloatArray()).isEqualTo(w);
                assertThat(params.get("fc.bias").toFloatArray()).isEqualTo(b);
                assertThat(stats.parameterNorm()).isCloseTo(before, within(1e-12));
                assertThat(stats.updateNorm()).isCloseTo(Math.sqrt(squaredDistance(w, oldW) + squaredDistance(b, oldB)),
                        within(1e-12));
            }
            assertThat(optimizer.updates()).isEqualTo(3);
            assertThat(optimizer.name()).isEqualTo("adamw");
            Map<String, ParameterUpdate.StateTensor> state = optimizer.state();
            assertThat(state).containsOnlyKeys("state0.fc.weight", "state1.fc.weight", "state0.fc.bias", "state1.fc.bias");
            assertThat(state.get("state1.fc.weight").shape()).containsExactly(2, 3);
            assertThat(state.get("state1.fc.weight").values()).isEqualTo(wState[1]);
            assertThat(state.get("state0.fc.bias").values()).isEqualTo(bState[0]);
        }
    }

    @Test
    void aRestoredOptimizerContinuesBitExactly() {
        for (String algorithm : new String[] {"adamw", "lion", "rmsprop", "sgd"}) {
            OptimizerSettings settings = OptimizerSettings.of(algorithm, Map.of(), 0.1);
            Map<String, NDArray> resumed = parameters();
            Map<String, float[]> saved = new LinkedHashMap<>();
            try (InProcessOptimizer first = new InProcessOptimizer(settings, resumed)) {
                first.apply(resumed, gradients(0), LRS[0]);
                first.state().forEach((name, s) -> saved.put(name, s.values().clone()));
            }
            // A new optimizer over the same weights, as after loading a checkpoint.
            try (InProcessOptimizer restored = InProcessOptimizer.restore(settings, resumed, saved, 1)) {
                assertThat(restored.updates()).isEqualTo(1);
                for (int t = 1; t < 3; t++) {
                    restored.apply(resumed, gradients(t), LRS[t]);
                }
            }
            // The uninterrupted optimizer: the same three steps without a break.
            Map<String, NDArray> reference = parameters();
            try (InProcessOptimizer uninterrupted = new InProcessOptimizer(settings, reference)) {
                for (int t = 0; t < 3; t++) {
                    uninterrupted.apply(reference, gradients(t), LRS[t]);
                }
            }
            reference.forEach((name, p) ->
                    assertThat(resumed.get(name).toFloatArray()).as(algorithm + " " + name).isEqualTo(p.toFloatArray()));
        }
    }

    @Test
    void stateThatDoesNotFitIsRefused() {
        OptimizerSettings adamw = OptimizerSettings.of("adamw", Map.of(), 0.1);
        Map<String, NDArray> params = parameters();
        Map<String, float[]> state = new LinkedHashMap<>();
        try (InProcessOptimizer optimizer = new InProcessOptimizer(adamw, params)) {
            optimizer.state().forEach((name, s) -> state.put(name, s.values().clone()));
        }
        assertThatThrownBy(() -> InProcessOptimizer.restore(OptimizerSettings.of("lion", Map.of(), 0.1), params, state, 4))
                .hasMessageContaining("optimizer state holds 4 arrays, lion keeps 2");
        state.put("state1.fc.bias", new float[3]);
        assertThatThrownBy(() -> InProcessOptimizer.restore(adamw, params, state, 4))
                .hasMessageContaining("state1.fc.bias has 3 values, adamw keeps 2");
        state.remove("state1.fc.bias");
        assertThatThrownBy(() -> InProcessOptimizer.restore(adamw, params, state, 4))
                .hasMessageContaining("adamw state lacks state1.fc.bias");
        assertThatThrownBy(() -> OptimizerSettings.of("adamz", Map.of(), 0.1)).hasMessageContaining("unknown optimizer");
        assertThatThrownBy(() -> OptimizerSettings.of("adamw", Map.of("beta1", 2.0), 0.1))
                .hasMessageContaining("beta1 must be in [0.0, 0.999]");
    }

    @Test
    void theSharedGroupsDecayExactlyTheWeightsTheModelMarksAsDecayed() {
        GptConfig tiny = GptConfig.tiny();
        for (GptConfig config : new GptConfig[] {tiny, tiny.withTiedEmbeddings(false).withPositional(GptConfig.Positional.ROPE)}) {
            for (Gpt.ParameterSpec spec : Gpt.parameterSpecs(config)) {
                long[] dims = spec.shape().getShape();
                int[] shape = new int[dims.length];
                for (int i = 0; i < dims.length; i++) {
                    shape[i] = (int) dims[i];
                }
                assertThat(ParameterGroups.defaults().groupOf(spec.name(), shape) == ParameterGroup.PARAMETER_GROUP_DECAY)
                        .as(spec.name()).isEqualTo(spec.decays());
            }
        }
    }

    private Map<String, NDArray> parameters() {
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("fc.weight", manager.create(W.clone(), new Shape(2, 3)));
        params.put("fc.bias", manager.create(B.clone(), new Shape(2)));
        params.values().forEach(p -> p.setRequiresGradient(true));
        return params;
    }

    private Map<String, NDArray> gradients(int t) {
        return Map.of("fc.weight", manager.create(GW[t], new Shape(2, 3)), "fc.bias", manager.create(GB[t], new Shape(2)));
    }

    private static double squares(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return sum;
    }

    private static double squaredDistance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
