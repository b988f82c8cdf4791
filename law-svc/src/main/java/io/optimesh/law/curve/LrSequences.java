package io.optimesh.law.curve;

import io.optimesh.core.curves.LoggedLrs;
import java.util.Arrays;

/** Per-step learning-rate sequences rebuilt from what a log holds. */
public final class LrSequences {

    private LrSequences() {
    }

    /**
     * Rebuilds the LR of every step 0..{@code steps[last]} from the LRs logged at {@code steps}, by the
     * rule curve files are read with ({@link LoggedLrs#rebuild}).
     *
     * @param steps strictly increasing, non-negative logged steps (at least one)
     * @param lrs the LR logged at each step
     */
    public static double[] fromLogged(int[] steps, double[] lrs) {
        return LoggedLrs.rebuild(Arrays.stream(steps).asLongStream().toArray(), lrs);
    }
}
