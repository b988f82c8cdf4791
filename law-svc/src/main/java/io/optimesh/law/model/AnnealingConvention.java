package io.optimesh.law.model;

/** Where an annealing sum over LR decreases starts. */
public enum AnnealingConvention {
    /**
     * From step 1, as the public Multi-Power Law code does: the rising warmup LRs enter the sum as
     * negative decreases. The published MPL parameters hold in this convention.
     */
    FROM_FIRST_STEP,
    /**
     * From the step after warmup, as the MPL paper writes the formula. Warmup ends where the LR first
     * stops rising: the first step s with {@code lrs[s+1] <= lrs[s]}.
     */
    AFTER_WARMUP;

    /** The first step k of the sum over {@code d_k = eta_{k-1} - eta_k}. */
    public int firstStep(double[] lrs) {
        if (this == FROM_FIRST_STEP) {
            return 1;
        }
        int s = 0;
        while (s + 1 < lrs.length && lrs[s + 1] > lrs[s]) {
            s++;
        }
        return s + 1;
    }
}
