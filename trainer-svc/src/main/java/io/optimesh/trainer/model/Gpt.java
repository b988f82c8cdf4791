package io.optimesh.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import io.optimesh.trainer.determinism.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A decoder-only GPT written functionally on DJL NDArrays: the parameters are plain arrays that
 * require gradients, the forward pass is a sequence of NDArray operations, and autograd (DJL's
 * {@code GradientCollector} over PyTorch) does the backward pass.
 *
 * <p>Parameter names and layouts follow Hugging Face's GPT-2 ({@code transformer.h.0.attn.c_attn.weight}
 * and friends, Conv1D weights stored {@code [in, out]}), so a checkpoint reads like a GPT-2 one.
 * Two departures: the MLP uses exact (erf) GELU, HF's {@code "gelu"}, rather than GPT-2's tanh
 * approximation; and with {@link GptConfig.Positional#ROPE} there is no {@code wpe} table.
 *
 * <p>Arrays created by the forward pass belong to the manager of the input tokens, so a caller
 * that runs a step inside a sub-manager frees every intermediate by closing it.
 */
public final class Gpt implements AutoCloseable {

    /** GPT-2's initialiser range. */
    public static final double INIT_STD = 0.02;

    private static final float LAYER_NORM_EPS = 1e-5f;
    private static final double ROPE_BASE = 10_000.0;

    /** A parameter's name, shape and whether AdamW decays it. */
    public record ParameterSpec(String name, Shape shape, boolean decays) {}

    private final GptConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final Map<Long, NDArray> causalMasks = new HashMap<>();
    private final Map<Long, NDList> rotaryTables = new HashMap<>();

    private Gpt(GptConfig config, NDManager parent, Function<ParameterSpec, float[]> values) {
        this.config = config;
        this.manager = parent.newSubManager();
        Map<String, NDArray> built = new LinkedHashMap<>();
        try {
            for (ParameterSpec spec : parameterSpecs(config)) {
                float[] data = values.apply(spec);
                if (data.length != spec.shape().size()) {
                    throw new IllegalArgumentException("parameter " + spec.name() + " has " + data.length
                            + " values, expected " + spec.shape().size() + " for shape " + spec.shape());
                }
                NDArray array = manager.create(data, spec.shape());
                array.setName(spec.name());
                array.setRequiresGradient(true);
                built.put(spec.name(), array);
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.parameters = Collections.unmodifiableMap(built);
    }

    /**
     * A freshly initialised model, GPT-2 style: weights and embeddings from N(0, 0.02²), the
     * residual output projections ({@code *.c_proj.weight}) from N(0, (0.02/√(2L))²), biases 0,
     * LayerNorm gains 1. Each parameter draws from its own seed, mixed from {@code seed} and its
     * name, so initial weights do not depend on the order parameters are created in or on the device.
     */
    public static Gpt initialize(GptConfig config, long seed, NDManager parent) {
        double residualStd = INIT_STD / Math.sqrt(2.0 * config.layers());
        return new Gpt(config, parent, spec -> {
            String name = spec.name();
            int size = Math.toIntExact(spec.shape().size());
            if (name.endsWith(".bias")) {
                return new float[size];
            }
            if (name.contains("ln_")) {
                float[] ones = new float[size];
                Arrays.fill(ones, 1f);
                return ones;
            }
            double std = name.endsWith("c_proj.weight") ? residualStd : INIT_STD;
            return Seeds.normals(Seeds.mix(seed, Seeds.hash(name)), size, std);
        });
    }

    /**
     * A model holding the given weights (for instance read from a checkpoint); every parameter of
     * {@link #parameterSpecs(GptConfig)} must be present with its exact number of values.
     */
    public static Gpt fromWeights(GptConfig config, Map<String, float[]> weights, NDManager parent) {
        List<String> expected = parameterSpecs(config).stream().map(ParameterSpec::name).toList();
        List<String> unexpected = weights.keySet().stream().filter(n -> !expected.contains(n)).sorted().toList();
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException("weights not in this model: " + unexpected);
        }
        return new Gpt(config, parent, spec -> {
            float[] data = weights.get(spec.name());
            if (data == null) {
                throw new IllegalArgumentException("missing weight " + spec.name());
            }
            return data;
        });
    }

    /** Every parameter of a model of this shape, in a fixed order (embeddings, blocks, final norm, head). */
    public static List<ParameterSpec> parameterSpecs(GptConfig config) {
        long d = config.dModel();
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(new ParameterSpec("transformer.wte.weight", new Shape(config.vocabSize(), d), false));
        if (config.positional() == GptConfig.Positional.LEARNED) {
            specs.add(new ParameterSpec("transformer.wpe.weight", new Shape(config.context(), d), false));
        }
        for (int i = 0; i < config.layers(); i++) {
            String p = "transformer.h." + i + ".";
            specs.add(new ParameterSpec(p + "ln_1.weight", new Shape(d), false));
            specs.add(new ParameterSpec(p + "ln_1.bias", new Shape(d), false));
            specs.add(new ParameterSpec(p + "attn.c_attn.weight", new Shape(d, 3 * d), true));
            specs.add(new ParameterSpec(p + "attn.c_attn.bias", new Shape(3 * d), false));
            specs.add(new ParameterSpec(p + "attn.c_proj.weight", new Shape(d, d), true));
            specs.add(new ParameterSpec(p + "attn.c_proj.bias", new Shape(d), false));
            specs.add(new ParameterSpec(p + "ln_2.weight", new Shape(d), false));
            specs.add(new ParameterSpec(p + "ln_2.bias", new Shape(d), false));
            specs.add(new ParameterSpec(p + "mlp.c_fc.weight", new Shape(d, 4 * d), true));
            specs.add(new ParameterSpec(p + "mlp.c_fc.bias", new Shape(4 * d), false));
            specs.add(new ParameterSpec(p + "mlp.c_proj.weight", new Shape(4 * d, d), true));
            specs.add(new ParameterSpec(p + "mlp.c_proj.bias", new Shape(d), false));
        }
        specs.add(new ParameterSpec("transformer.ln_f.weight", new Shape(d), false));
        specs.add(new ParameterSpec("transformer.ln_f.bias", new Shape(d), false));
        if (!config.tiedEmbeddings()) {
            // An nn.Linear in HF, hence [out, in]; decayed like every other matmul weight.
            specs.add(new ParameterSpec("lm_head.weight", new Shape(config.vocabSize(), d), true));
        }
        return List.copyOf(specs);
    }

    /** Names of the parameters weight decay applies to: the matmul weights, not embeddings, norms or biases. */
    public static Set<String> decayedParameters(GptConfig config) {
        return parameterSpecs(config).stream().filter(ParameterSpec::decays).map(ParameterSpec::name)
                .collect(Collectors.toUnmodifiableSet());
    }

    public GptConfig config() {
        return config;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The manager owning the parameters; a step's sub-manager is made from it. */
    public NDManager manager() {
        return manager;
    }

    /** Parameters by name, in {@link #parameterSpecs(GptConfig)} order. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /**
     * Next-token logits {@code [B, T, V]} for int64 tokens {@code [B, T]} (T ≤ context). Dropout
     * is applied only when {@code training} is set and the config's rate is above zero.
     */
    public NDArray logits(NDArray tokens, boolean training) {
        Shape shape = tokens.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("tokens must be [batch, time], got " + shape);
        }
        long batch = shape.get(0);
        long time = shape.get(1);
        if (time > config.context()) {
            throw new IllegalArgumentException("sequence of " + time + " exceeds the context " + config.context());
        }
        NDArray x = Embedding.embedding(tokens, param("transformer.wte.weight"), SparseFormat.DENSE)
                .singletonOrThrow();
        if (config.positional() == GptConfig.Positional.LEARNED) {
            NDArray positions = tokens.getManager().arange(0, (int) time, 1, DataType.INT64);
            x = x.add(Embedding.embedding(positions, param("transformer.wpe.weight"), SparseFormat.DENSE)
                    .singletonOrThrow());
        }
        x = dropout(x, training);
        for (int i = 0; i < config.layers(); i++) {
            String p = "transformer.h." + i + ".";
            x = x.add(dropout(attention(layerNorm(x, p + "ln_1"), p + "attn.", batch, time, training), training));
            NDArray hidden = Activation.gelu(conv1d(layerNorm(x, p + "ln_2"), p + "mlp.c_fc"));
            x = x.add(dropout(conv1d(hidden, p + "mlp.c_proj"), training));
        }
        x = layerNorm(x, "transformer.ln_f");
        NDArray head = config.tiedEmbeddings() ? param("transformer.wte.weight") : param("lm_head.weight");
        return Linear.linear(x, head).singletonOrThrow();
    }

    /** Mean next-token cross-entropy (nats) of {@code targets [B, T]} given {@code tokens [B, T]}. */
    public NDArray loss(NDArray tokens, NDArray targets, boolean training) {
        return targetLogProbabilities(logits(tokens, training), targets).mean().neg();
    }

    /** log p(target) at each position, {@code [B, T]}, from logits {@code [B, T, V]}. */
    public static NDArray targetLogProbabilities(NDArray logits, NDArray targets) {
        return logits.logSoftmax(2).gather(targets.expandDims(2), 2).squeeze(2);
    }

    private NDArray attention(NDArray h, String p, long batch, long time, boolean training) {
        int heads = config.heads();
        int headDim = config.headDim();
        NDList qkv = conv1d(h, p + "c_attn").split(3, 2);
        // [B, T, d] -> [B, H, T, hd]
        NDArray q = qkv.get(0).reshape(batch, time, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k = qkv.get(1).reshape(batch, time, heads, headDim).transpose(0, 2, 1, 3);
        NDArray v = qkv.get(2).reshape(batch, time, heads, headDim).transpose(0, 2, 1, 3);
        if (config.positional() == GptConfig.Positional.ROPE) {
            q = rotate(q, time);
            k = rotate(k, time);
        }
        // Scaling q (T·hd values) is cheaper than scaling the T·T scores.
        // The mask is added in place: the product's backward does not need its output.
        NDArray scores = Torch.scale(q, 1.0 / Math.sqrt(headDim)).matMul(k.transpose(0, 1, 3, 2)).addi(causalMask(time));
        NDArray probabilities = dropout(scores.softmax(3), training);
        NDArray y = probabilities.matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, config.dModel());
        return conv1d(y, p + "c_proj");
    }

    /** Rotary embedding, rotate-half convention: (x1, x2) -> (x1·cos − x2·sin, x2·cos + x1·sin). */
    private NDArray rotate(NDArray x, long time) {
        NDList table = rotaryTables.computeIfAbsent(time, this::rotaryTable);
        NDArray cos = table.get(0);
        NDArray sin = table.get(1);
        int half = config.headDim() / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        return NDArrays.concat(new NDList(x1.mul(cos).sub(x2.mul(sin)), x2.mul(cos).add(x1.mul(sin))), 3);
    }

    private NDList rotaryTable(long time) {
        int half = config.headDim() / 2;
        float[] cos = new float[Math.toIntExact(time * half)];
        float[] sin = new float[cos.length];
        for (int t = 0; t < time; t++) {
            for (int i = 0; i < half; i++) {
                double angle = t * Math.pow(ROPE_BASE, -2.0 * i / config.headDim());
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        Shape shape = new Shape(time, half);
        return new NDList(manager.create(cos, shape), manager.create(sin, shape));
    }

    /** {@code [T, T]}: 0 on and below the diagonal, −∞ above it, added to the attention scores. */
    private NDArray causalMask(long time) {
        return causalMasks.computeIfAbsent(time, t -> {
            int n = Math.toIntExact(t);
            float[] mask = new float[n * n];
            for (int row = 0; row < n; row++) {
                Arrays.fill(mask, row * n + row + 1, (row + 1) * n, Float.NEGATIVE_INFINITY);
            }
            return manager.create(mask, new Shape(t, t));
        });
    }

    /**
     * {@code x·W + b} for a Conv1D weight {@code W [in, out]}: {@code Wᵀ} is a view in the {@code [out, in]}
     * layout torch's linear takes, and linear adds the bias inside the product (one addmm instead of
     * a matmul and a separate pass over the output, forward and backward).
     */
    private NDArray conv1d(NDArray x, String name) {
        return Linear.linear(x, param(name + ".weight").transpose(), param(name + ".bias")).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String name) {
        return LayerNorm.layerNorm(x, new Shape(config.dModel()), param(name + ".weight"), param(name + ".bias"),
                LAYER_NORM_EPS).singletonOrThrow();
    }

    private NDArray dropout(NDArray x, boolean training) {
        if (!training || config.dropout() == 0) {
            return x;
        }
        return Dropout.dropout(x, (float) config.dropout(), true).singletonOrThrow();
    }

    private NDArray param(String name) {
        NDArray array = parameters.get(name);
        if (array == null) {
            throw new IllegalStateException("no parameter " + name);
        }
        return array;
    }

    /** Frees the parameters and cached tables. */
    @Override
    public void close() {
        manager.close();
    }
}
