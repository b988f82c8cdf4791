package io.optimesh.law.schedule;

import io.optimesh.law.fit.Prediction;
import java.util.List;

/**
 * A schedule found by {@link ScheduleOptimizer}: linear warmup from 0 to the peak over
 * {@code warmupSteps}, then linear between {@code knots} (the first at the end of warmup), constant
 * after the last.
 *
 * @param warmupSteps steps of linear warmup
 * @param knots (step, LR) knots after warmup, steps strictly increasing
 * @param lrs the LR of every step, warmup included
 * @param finalLoss the law's prediction at the last step, with its interval
 * @param evaluations law evaluations the search spent
 */
public record OptimizedSchedule(int warmupSteps, List<Knot> knots, double[] lrs, Prediction finalLoss,
        int evaluations) {

    /** An LR at a step. */
    public record Knot(int step, double lr) {
    }

    public OptimizedSchedule {
        knots = List.copyOf(knots);
    }

    public double peakLr() {
        return knots.get(0).lr();
    }

    /** The LR at the last step. */
    public double finalLr() {
        return lrs[lrs.length - 1];
    }

    /** First step after which the LR falls below the peak; {@code lrs.length} if it never does. */
    public int decayStart() {
        for (int s = warmupSteps; s < lrs.length; s++) {
            if (lrs[s] < peakLr()) {
                return s;
            }
        }
        return lrs.length;
    }
}
