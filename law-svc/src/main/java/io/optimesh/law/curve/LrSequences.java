package io.optimesh.law.curve;

/** Per-step learning-rate sequences rebuilt from what a log holds. */
public final class LrSequences {

    private LrSequences() {
    }

    /**
     * Rebuilds the LR of every step 0..{@code steps[last]} from the LRs logged at {@code steps}.
     *
     * <p>Between logged steps the LR is interpolated linearly: exact for linear pieces, a smooth
     * stand-in for cosine-like pieces, and a ramp across one logging interval where the schedule
     * jumps. Before the first logged step the warmup is rebuilt as a linear ramp from 0 at step 0 to
     * the first logged LR: exact when logging starts where a linear warmup ends, an approximation of
     * the warmup area (and of the annealing it brings) otherwise. A log that starts at step 0 has no
     * warmup to rebuild.
     *
     * @param steps strictly increasing, non-negative logged steps (at least one)
     * @param lrs the LR logged at each step
     */
    public static double[] fromLogged(int[] steps, double[] lrs) {
        if (steps.length == 0 || steps.length != lrs.length) {
            throw new IllegalArgumentException("need one logged LR per logged step, and at least one");
        }
        double[] out = new double[steps[steps.length - 1] + 1];
        int first = steps[0];
        for (int s = 0; s <= first; s++) {
            out[s] = first == 0 ? lrs[0] : lrs[0] * s / first;
        }
        for (int i = 1; i < steps.length; i++) {
            int from = steps[i - 1];
            int to = steps[i];
            if (to <= from) {
                throw new IllegalArgumentException("logged steps must increase: " + from + " then " + to);
            }
            for (int s = from + 1; s <= to; s++) {
                double f = (double) (s - from) / (to - from);
                out[s] = lrs[i - 1] + f * (lrs[i] - lrs[i - 1]);
            }
        }
        return out;
    }
}
