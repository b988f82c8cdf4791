package io.optimesh.law.schedule;

/**
 * What an optimised schedule may be: a step budget, a linear warmup from 0, and bounds that keep it
 * away from the optima the laws reach when left free (a loss law fitted on LRs up to some peak says
 * nothing about larger ones; the momentum law rewards ever longer annealing; the Multi-Power Law's
 * optimum anneals to an LR near 0, where real runs stall).
 *
 * @param totalSteps steps of the run; the loss is predicted at the last, {@code totalSteps - 1}
 * @param warmupSteps steps of linear warmup from 0 to the peak
 * @param maxPeakLr largest LR the schedule may use
 * @param minLr LR floor: no step after warmup goes below it
 * @param maxDecayFraction largest share of the steps after warmup spent annealing, in [0, 1]
 */
public record ScheduleBounds(int totalSteps, int warmupSteps, double maxPeakLr, double minLr,
        double maxDecayFraction) {

    public ScheduleBounds {
        if (totalSteps < 2) {
            throw new IllegalArgumentException("a schedule needs at least 2 steps, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps >= totalSteps - 1) {
            throw new IllegalArgumentException("warmup must leave steps after it: " + warmupSteps + " of "
                    + totalSteps);
        }
        if (!(maxPeakLr > 0 && Double.isFinite(maxPeakLr))) {
            throw new IllegalArgumentException("the peak LR bound must be positive and finite, got " + maxPeakLr);
        }
        if (!(minLr >= 0 && minLr <= maxPeakLr)) {
            throw new IllegalArgumentException("the LR floor must lie in [0, max peak " + maxPeakLr + "], got " + minLr);
        }
        if (!(maxDecayFraction >= 0 && maxDecayFraction <= 1)) {
            throw new IllegalArgumentException("the decay fraction bound must lie in [0, 1], got " + maxDecayFraction);
        }
    }
}
