package io.optimesh.merge.method;

import java.util.List;
import java.util.Map;

/**
 * LAWA, latest-weight averaging (Kaddour 2022; Sanyal et al. 2023): the uniform average of the last
 * {@code window} checkpoints of a run. {@link #window(List)} picks them from a run's checkpoints given oldest
 * first; the merge itself is the plain average of those.
 */
public final class LawaMerge implements ElementwiseMerge {

    private final int window;
    private final LinearMerge linear;

    private LawaMerge(int window) {
        this.window = window;
        this.linear = LinearMerge.uniform(window);
    }

    /** An average of the last {@code window >= 1} checkpoints. */
    public static LawaMerge of(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("the LAWA window must be at least 1, got " + window);
        }
        return new LawaMerge(window);
    }

    public int window() {
        return window;
    }

    /** The last {@code window} of {@code checkpoints} (oldest first), the ones this merge averages. */
    public <T> List<T> window(List<T> checkpoints) {
        if (checkpoints.size() < window) {
            throw new IllegalArgumentException("a LAWA window of " + window + " needs at least as many checkpoints, got "
                    + checkpoints.size());
        }
        return checkpoints.subList(checkpoints.size() - window, checkpoints.size());
    }

    @Override
    public String name() {
        return "lawa";
    }

    @Override
    public int arity() {
        return window;
    }

    @Override
    public Map<String, String> parameters() {
        return Map.of("window", ProvenanceJson.of(window));
    }

    @Override
    public void combine(double[][] inputs, int length, double[] out) {
        linear.combine(inputs, length, out);
    }

    @Override
    public String toString() {
        return "lawa(" + window + ")";
    }
}
