package io.optimesh.coordinator.pruning;

import io.optimesh.v1.Trial;

import java.util.ArrayList;
import java.util.List;

/**
 * Hyperband (Li et al., 2018) as Optuna's HyperbandPruner runs it: {@code floor(log_eta(max /
 * min)) + 1} brackets, bracket {@code i} an {@link AshaPruner} whose first rung sits at {@code min
 * * eta^i}, its trials competing only with the trials of the same bracket. A trial's bracket
 * follows from the seed and its index in the study alone: a hash picks it with probability
 * proportional to the bracket's budget {@code ceil(n * eta^s / (s + 1))}, {@code s = n - 1 - i},
 * so the aggressive brackets get the most trials.
 */
public final class HyperbandPruner implements Pruner {

    private final long seed;
    private final List<AshaPruner> brackets = new ArrayList<>();
    private final int[] budgets;
    private final int totalBudget;

    public HyperbandPruner(long minResource, long maxResource, int reductionFactor, long seed) {
        if (minResource < 1 || maxResource < minResource || reductionFactor < 2) {
            throw new IllegalArgumentException(
                    "need 1 <= minResource <= maxResource and reductionFactor >= 2");
        }
        this.seed = seed;
        int n = brackets(minResource, maxResource, reductionFactor);
        this.budgets = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            int s = n - 1 - i;
            budgets[i] = (int) Math.ceil(n * Math.pow(reductionFactor, s) / (s + 1));
            total += budgets[i];
            brackets.add(new AshaPruner(minResource, reductionFactor, i));
        }
        this.totalBudget = total;
    }

    static int brackets(long minResource, long maxResource, int reductionFactor) {
        // The small epsilon keeps an exact power of eta from rounding down.
        return (int)
                        Math.floor(
                                Math.log((double) maxResource / minResource)
                                                / Math.log(reductionFactor)
                                        + 1e-9)
                + 1;
    }

    public int bracketCount() {
        return budgets.length;
    }

    /** The bracket of the trial at this index in the study. */
    public int bracketOf(int index) {
        long h = mix(seed, index);
        int slot = (int) Math.floorMod(h, (long) totalBudget);
        for (int i = 0; i < budgets.length; i++) {
            if (slot < budgets[i]) {
                return i;
            }
            slot -= budgets[i];
        }
        throw new IllegalStateException("slot beyond the total budget");
    }

    @Override
    public PruneDecision decide(Trial trial, List<Trial> trials) {
        int bracket = -1;
        List<Trial> peers = new ArrayList<>();
        for (int i = 0; i < trials.size(); i++) {
            if (trials.get(i).getName().equals(trial.getName())) {
                bracket = bracketOf(i);
            }
        }
        if (bracket < 0) {
            throw new IllegalArgumentException(trial.getName() + " is not among the trials");
        }
        for (int i = 0; i < trials.size(); i++) {
            if (bracketOf(i) == bracket) {
                peers.add(trials.get(i));
            }
        }
        PruneDecision d = brackets.get(bracket).decide(trial, peers);
        return new PruneDecision(d.action(), "bracket " + bracket + ": " + d.reason());
    }

    /** Stafford's mix13 of the seed and the index, as the samplers use. */
    private static long mix(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1L) + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
