package io.optimesh.trainer.model;

import java.util.List;
import java.util.Locale;

/**
 * The shape of a decoder-only GPT: pre-LayerNorm blocks of causal self-attention and a GELU MLP
 * (4 × dModel wide), a final LayerNorm and an LM head, over a byte vocabulary by default.
 *
 * @param vocabSize tokens in the vocabulary (256 for bytes)
 * @param layers transformer blocks
 * @param dModel residual stream width
 * @param heads attention heads; {@code dModel} must be a multiple of it
 * @param context longest sequence the model reads (the learned position table's length)
 * @param positional learned absolute positions (GPT-2) or rotary embeddings on queries and keys
 * @param tiedEmbeddings whether the LM head reuses the token embedding matrix
 * @param dropout dropout rate on embeddings, attention probabilities and residual branches
 */
public record GptConfig(
        int vocabSize,
        int layers,
        int dModel,
        int heads,
        int context,
        Positional positional,
        boolean tiedEmbeddings,
        double dropout) {

    /** How token positions enter the model. */
    public enum Positional {
        /** A learned table of {@code context × dModel} added to the token embeddings. */
        LEARNED,
        /** Rotary position embeddings (rotate-half convention, base 10000) on queries and keys. */
        ROPE
    }

    /** The byte vocabulary. */
    public static final int BYTE_VOCAB = 256;

    /** Preset names, smallest first. */
    public static final List<String> PRESETS = List.of("tiny", "small", "base");

    public GptConfig {
        require(vocabSize > 0, "vocabSize must be positive");
        require(layers > 0, "layers must be positive");
        require(dModel > 0, "dModel must be positive");
        require(heads > 0, "heads must be positive");
        require(dModel % heads == 0, "dModel must be a multiple of heads");
        require(context > 0, "context must be positive");
        require(positional != null, "positional must be set");
        require(positional != Positional.ROPE || (dModel / heads) % 2 == 0,
                "ROPE needs an even head dimension");
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
    }

    /** 4 layers × 64 wide, context 64: about 0.22M parameters, for tests. */
    public static GptConfig tiny() {
        return new GptConfig(BYTE_VOCAB, 4, 64, 4, 64, Positional.LEARNED, true, 0.0);
    }

    /** 4 layers × 256 wide, 4 heads of 64, context 256: about 3.3M parameters, the CPU demo. */
    public static GptConfig small() {
        return new GptConfig(BYTE_VOCAB, 4, 256, 4, 256, Positional.LEARNED, true, 0.0);
    }

    /** GPT-2 small's geometry (12 × 768, 12 heads, context 1024) on bytes: about 86M, for GPUs. */
    public static GptConfig base() {
        return new GptConfig(BYTE_VOCAB, 12, 768, 12, 1024, Positional.LEARNED, true, 0.0);
    }

    /** The preset of that name (case-insensitive), or an {@link IllegalArgumentException}. */
    public static GptConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> tiny();
            case "small" -> small();
            case "base" -> base();
            default -> throw new IllegalArgumentException(
                    "unknown model preset '" + name + "', expected one of " + PRESETS);
        };
    }

    public int headDim() {
        return dModel / heads;
    }

    public GptConfig withPositional(Positional value) {
        return new GptConfig(vocabSize, layers, dModel, heads, context, value, tiedEmbeddings, dropout);
    }

    public GptConfig withTiedEmbeddings(boolean value) {
        return new GptConfig(vocabSize, layers, dModel, heads, context, positional, value, dropout);
    }

    public GptConfig withDropout(double value) {
        return new GptConfig(vocabSize, layers, dModel, heads, context, positional, tiedEmbeddings, value);
    }

    public GptConfig withContext(int value) {
        return new GptConfig(vocabSize, layers, dModel, heads, value, positional, tiedEmbeddings, dropout);
    }

    /**
     * Parameters of one block: ln_1 and ln_2 (2d each), c_attn (d×3d + 3d), attn.c_proj (d×d + d),
     * mlp.c_fc (d×4d + 4d), mlp.c_proj (4d×d + d): 12d² + 13d.
     */
    public long blockParameterCount() {
        long d = dModel;
        return 12 * d * d + 13 * d;
    }

    /**
     * Every trainable value: token embeddings V·d, learned positions T·d (LEARNED only), L blocks,
     * the final LayerNorm 2d, and an untied LM head V·d (no bias, as in GPT-2).
     */
    public long parameterCount() {
        long d = dModel;
        long embeddings = (long) vocabSize * d * (tiedEmbeddings ? 1 : 2);
        long positions = positional == Positional.LEARNED ? (long) context * d : 0;
        return embeddings + positions + layers * blockParameterCount() + 2 * d;
    }

    /**
     * Parameters that take part in a matrix product per token: the blocks, the final LayerNorm and
     * the LM head (V·d, tied or not). Embedding and position lookups do no arithmetic.
     */
    public long computeParameterCount() {
        return layers * blockParameterCount() + 2L * dModel + (long) vocabSize * dModel;
    }

    /**
     * Training FLOPs per token at full context: {@code 6·N + 12·L·d·T} with N =
     * {@link #computeParameterCount()}. 6N is 2 FLOPs per multiply-add for the forward pass and 4
     * for the backward; 12·L·d·T counts the two attention products (QKᵀ and A·V, T·d
     * multiply-adds per token per layer each) forward and backward, without halving for the causal
     * mask, as in PaLM's model-FLOPs accounting. Norms, softmax and activations are left out.
     */
    public double flopsPerToken() {
        return flopsPerToken(context);
    }

    /**
     * {@link #flopsPerToken()} for rows of {@code sequenceLength} tokens (at most the context): the
     * attention products scale with the length actually attended over.
     */
    public double flopsPerToken(int sequenceLength) {
        require(sequenceLength > 0 && sequenceLength <= context, "sequenceLength must be in [1, context]");
        return 6.0 * computeParameterCount() + 12.0 * layers * dModel * sequenceLength;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
