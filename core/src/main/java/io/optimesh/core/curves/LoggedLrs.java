package io.optimesh.core.curves;

/** The LR of every step, rebuilt from LRs logged at some steps. */
public final class LoggedLrs {

    /** The longest LR list a Java array (and a request) can hold. */
    public static final long MAX_STEP = Integer.MAX_VALUE - 9L;

    private LoggedLrs() {
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
     * @param steps strictly increasing, non-negative logged steps (at least one), at most {@link #MAX_STEP}
     * @param lrs the LR logged at each step
     */
    public static double[] rebuild(long[] steps, double[] lrs) {
        if (steps.length == 0 || steps.length != lrs.length) {
            throw new IllegalArgumentException("need one logged LR per logged step, and at least one");
        }
        long last = steps[steps.length - 1];
        if (steps[0] < 0 || last > MAX_STEP) {
            throw new IllegalArgumentException("logged steps run from " + steps[0] + " to " + last
                    + "; an LR list covers steps 0.." + MAX_STEP);
        }
        double[] out = new double[(int) last + 1];
        int first = (int) steps[0];
        for (int s = 0; s <= first; s++) {
            out[s] = first == 0 ? lrs[0] : lrs[0] * s / first;
        }
        for (int i = 1; i < steps.length; i++) {
            int from = (int) steps[i - 1];
            int to = (int) steps[i];
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
