package io.optimesh.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.optimesh.trainer.model.GptConfig.Positional;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GptTest {

    private NDManager root;

    @BeforeEach
    void open() {
        root = NDManager.newBaseManager(Torch.ENGINE);
    }

    @AfterEach
    void close() {
        root.close();
    }

    @Test
    void aFreshModelPredictsNearlyUniformly() {
        try (Gpt gpt = Gpt.initialize(GptConfig.tiny(), 1, root); NDManager m = gpt.manager().newSubManager();
                Torch.GradModeScope noGrad = Torch.noGrad()) {
            NDArray tokens = randomTokens(m, 4, 64, 3);
            NDArray logits = gpt.logits(tokens, false);
            assertThat(logits.getShape()).isEqualTo(new Shape(4, 64, 256));
            double loss = gpt.loss(tokens, randomTokens(m, 4, 64, 4), false).getFloat();
            assertThat(loss).isCloseTo(Math.log(256), within(0.05));
        }
    }

    @Test
    void initialisationIsGpt2StyleAndAFunctionOfTheSeed() {
        GptConfig config = GptConfig.tiny();
        try (Gpt a = Gpt.initialize(config, 5, root); Gpt b = Gpt.initialize(config, 5, root);
                Gpt c = Gpt.initialize(config, 6, root)) {
            for (String name : a.parameters().keySet()) {
                assertThat(b.parameters().get(name).toFloatArray()).as(name)
                        .isEqualTo(a.parameters().get(name).toFloatArray());
            }
            assertThat(c.parameters().get("transformer.h.0.attn.c_attn.weight").toFloatArray())
                    .isNotEqualTo(a.parameters().get("transformer.h.0.attn.c_attn.weight").toFloatArray());
            assertThat(std(a.parameters().get("transformer.h.1.mlp.c_fc.weight"))).isCloseTo(0.02, within(0.001));
            assertThat(std(a.parameters().get("transformer.wte.weight"))).isCloseTo(0.02, within(0.001));
            // Residual projections: 0.02 / sqrt(2 · 4 layers).
            assertThat(std(a.parameters().get("transformer.h.2.mlp.c_proj.weight")))
                    .isCloseTo(0.02 / Math.sqrt(8), within(0.0005));
            assertThat(a.parameters().get("transformer.h.0.ln_1.weight").toFloatArray()).containsOnly(1f);
            assertThat(a.parameters().get("transformer.h.0.attn.c_attn.bias").toFloatArray()).containsOnly(0f);
        }
    }

    @Test
    void parametersCarryGpt2NamesAndLayouts() {
        try (Gpt gpt = Gpt.initialize(GptConfig.tiny().withTiedEmbeddings(false), 1, root)) {
            Map<String, NDArray> p = gpt.parameters();
            assertThat(p.get("transformer.wte.weight").getShape()).isEqualTo(new Shape(256, 64));
            assertThat(p.get("transformer.wpe.weight").getShape()).isEqualTo(new Shape(64, 64));
            assertThat(p.get("transformer.h.3.attn.c_attn.weight").getShape()).isEqualTo(new Shape(64, 192));
            assertThat(p.get("transformer.h.3.mlp.c_proj.weight").getShape()).isEqualTo(new Shape(256, 64));
            assertThat(p.get("lm_head.weight").getShape()).isEqualTo(new Shape(256, 64));
            assertThat(p).containsKey("transformer.ln_f.bias").hasSize(4 * 12 + 5);
        }
    }

    @Test
    void aPredictionNeverSeesLaterTokens() {
        for (Positional positional : Positional.values()) {
            try (Gpt gpt = Gpt.initialize(GptConfig.tiny().withPositional(positional), 2, root);
                    NDManager m = gpt.manager().newSubManager(); Torch.GradModeScope noGrad = Torch.noGrad()) {
                long[] tokens = new SplittableRandom(9).longs(32, 0, 256).toArray();
                long[] changed = tokens.clone();
                changed[20] = (changed[20] + 1) % 256;
                float[] before = gpt.logits(m.create(tokens, new Shape(1, 32)), false).toFloatArray();
                float[] after = gpt.logits(m.create(changed, new Shape(1, 32)), false).toFloatArray();
                int changedFrom = 20 * 256;
                for (int i = 0; i < before.length; i++) {
                    if (i < changedFrom) {
                        assertThat(after[i]).as("%s logit %d", positional, i).isCloseTo(before[i], within(1e-5f));
                    }
                }
                assertThat(maxAbsDifference(before, after, changedFrom)).as(positional.name()).isGreaterThan(1e-4);
            }
        }
    }

    @Test
    void everyParameterReceivesAGradient() {
        for (GptConfig config : new GptConfig[] {GptConfig.tiny(),
                GptConfig.tiny().withPositional(Positional.ROPE).withTiedEmbeddings(false).withDropout(0.1)}) {
            try (Gpt gpt = Gpt.initialize(config, 3, root); NDManager m = gpt.manager().newSubManager()) {
                try (GradientCollector collector = Engine.getEngine(Torch.ENGINE).newGradientCollector()) {
                    collector.backward(gpt.loss(randomTokens(m, 2, 64, 1), randomTokens(m, 2, 64, 2), true));
                }
                gpt.parameters().forEach((name, p) -> {
                    NDArray g = p.getGradient();
                    g.attach(m);
                    assertThat(g.abs().sum().getFloat()).as(name).isGreaterThan(0f);
                    Torch.zeroGradient(p);
                    assertThat(g.abs().sum().getFloat()).as(name + " after zeroing").isZero();
                });
            }
        }
    }

    /**
     * The backward pass reads only memory PyTorch owns: between the forward and the backward the
     * garbage collector frees every unreachable direct buffer and the freed memory is overwritten,
     * and the gradients stay bit-identical to those of an undisturbed pass.
     */
    @Test
    void gradientsDoNotDependOnWhatTheGarbageCollectorFreesBeforeTheBackward() throws InterruptedException {
        try (Gpt gpt = Gpt.initialize(GptConfig.tiny(), 5, root); NDManager m = gpt.manager().newSubManager()) {
            Map<String, float[]> undisturbed = gradients(gpt, m, false);
            Map<String, float[]> disturbed = gradients(gpt, m, true);
            undisturbed.forEach((name, g) -> assertThat(disturbed.get(name)).as(name).isEqualTo(g));
        }
    }

    private static Map<String, float[]> gradients(Gpt gpt, NDManager m, boolean collectGarbage)
            throws InterruptedException {
        gpt.parameters().values().forEach(Torch::zeroGradient);
        List<ByteBuffer> poison = List.of();
        try (GradientCollector collector = Engine.getEngine(Torch.ENGINE).newGradientCollector()) {
            NDArray loss = gpt.loss(randomTokens(m, 2, 64, 1), randomTokens(m, 2, 64, 2), true);
            if (collectGarbage) {
                poison = FreedDirectMemory.reclaimAndPoison();
            }
            collector.backward(loss);
        }
        Map<String, float[]> gradients = new LinkedHashMap<>();
        gpt.parameters().forEach((name, p) -> {
            NDArray g = p.getGradient();
            g.attach(m);
            gradients.put(name, g.toFloatArray());
        });
        assertThat(poison.size()).isLessThanOrEqualTo(20_000);
        return gradients;
    }

    @Test
    void weightsRoundTripAndAreChecked() {
        GptConfig config = GptConfig.tiny().withPositional(Positional.ROPE);
        try (Gpt gpt = Gpt.initialize(config, 4, root); NDManager m = gpt.manager().newSubManager();
                Torch.GradModeScope noGrad = Torch.noGrad()) {
            Map<String, float[]> weights = new LinkedHashMap<>();
            gpt.parameters().forEach((name, p) -> weights.put(name, p.toFloatArray()));
            try (Gpt copy = Gpt.fromWeights(config, weights, root); NDManager n = copy.manager().newSubManager()) {
                long[] tokens = new SplittableRandom(1).longs(64, 0, 256).toArray();
                assertThat(copy.logits(n.create(tokens, new Shape(1, 64)), false).toFloatArray())
                        .isEqualTo(gpt.logits(m.create(tokens, new Shape(1, 64)), false).toFloatArray());
            }
            weights.remove("transformer.ln_f.bias");
            assertThatThrownBy(() -> Gpt.fromWeights(config, weights, root))
                    .hasMessageContaining("missing weight transformer.ln_f.bias");
            weights.put("transformer.wpe.weight", new float[64 * 64]);
            assertThatThrownBy(() -> Gpt.fromWeights(config, weights, root))
                    .hasMessageContaining("not in this model: [transformer.wpe.weight]");
        }
    }

    @Test
    void sequencesLongerThanTheContextAreRefused() {
        try (Gpt gpt = Gpt.initialize(GptConfig.tiny(), 1, root); NDManager m = gpt.manager().newSubManager()) {
            assertThatThrownBy(() -> gpt.logits(randomTokens(m, 1, 65, 1), false)).hasMessageContaining("context 64");
        }
    }

    private static NDArray randomTokens(NDManager m, int rows, int length, long seed) {
        return m.create(new SplittableRandom(seed).longs((long) rows * length, 0, 256).toArray(), new Shape(rows, length));
    }

    private static double std(NDArray array) {
        float[] values = array.toFloatArray();
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        return Math.sqrt(squares / values.length - mean * mean);
    }

    private static double maxAbsDifference(float[] a, float[] b, int from) {
        double max = 0;
        for (int i = from; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
