package io.optimesh.core.optim;

import io.optimesh.v1.ParameterGroup;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which parameter group a tensor belongs to: weight decay applies to the weight matrices, not to
 * norms, biases or embeddings. The trainer (in-process optimizer) and optimizer-svc (remote) both
 * ask this one rule, so a parameter is decayed the same way wherever its update runs.
 *
 * <p>A tensor is in {@link ParameterGroup#PARAMETER_GROUP_NO_DECAY} when its name matches one of
 * the no-decay patterns, or when it has fewer than two dimensions and {@code vectorsNoDecay} is on
 * (a norm gain or a bias is a vector whatever it is called); otherwise it is in {@link
 * ParameterGroup#PARAMETER_GROUP_DECAY}. Patterns are globs over the whole name, case-insensitive:
 * {@code *} matches any run of characters, {@code ?} one character, everything else itself.
 *
 * @param noDecayPatterns globs of the names that are never decayed
 * @param vectorsNoDecay whether tensors of rank 0 or 1 are never decayed
 */
public record ParameterGroups(List<String> noDecayPatterns, boolean vectorsNoDecay) {

    /**
     * Biases, norms (LayerNorm/RMSNorm, GPT-2's {@code ln_1}, {@code ln_f}) and embeddings (token
     * and position tables, GPT-2's {@code wte}, {@code wpe}).
     */
    public static final List<String> DEFAULT_NO_DECAY_PATTERNS =
            List.of("*bias", "*norm*", "*ln_*", "*embed*", "*wte*", "*wpe*");

    private static final ParameterGroups DEFAULTS =
            new ParameterGroups(DEFAULT_NO_DECAY_PATTERNS, true);

    public ParameterGroups {
        noDecayPatterns = List.copyOf(noDecayPatterns);
        for (String pattern : noDecayPatterns) {
            if (pattern.isBlank()) {
                throw new IllegalArgumentException("a no-decay pattern must not be blank");
            }
        }
    }

    /** The default rule: {@link #DEFAULT_NO_DECAY_PATTERNS}, and vectors not decayed. */
    public static ParameterGroups defaults() {
        return DEFAULTS;
    }

    /** Exactly these no-decay patterns (replacing the defaults), vectors not decayed. */
    public static ParameterGroups noDecayMatching(List<String> patterns) {
        return new ParameterGroups(patterns, true);
    }

    /**
     * The group of the tensor with this name and shape.
     *
     * @param shape the tensor's dimensions, row-major
     */
    public ParameterGroup groupOf(String name, int[] shape) {
        if (vectorsNoDecay && shape.length < 2) {
            return ParameterGroup.PARAMETER_GROUP_NO_DECAY;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (String pattern : noDecayPatterns) {
            if (matches(pattern.toLowerCase(Locale.ROOT), lower)) {
                return ParameterGroup.PARAMETER_GROUP_NO_DECAY;
            }
        }
        return ParameterGroup.PARAMETER_GROUP_DECAY;
    }

    /** The weight decay a tensor of this group gets when the optimizer is configured with {@code configured}. */
    public static double weightDecay(ParameterGroup group, double configured) {
        // UNSPECIFIED counts as decayed, as optimizer.proto documents.
        return group == ParameterGroup.PARAMETER_GROUP_NO_DECAY ? 0 : configured;
    }

    /** Shorthand for {@code weightDecay(groupOf(name, shape), configured)}. */
    public double weightDecay(String name, int[] shape, double configured) {
        return weightDecay(groupOf(name, shape), configured);
    }

    private static boolean matches(String glob, String name) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(name).matches();
    }
}
