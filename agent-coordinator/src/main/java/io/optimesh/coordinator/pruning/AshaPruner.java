package io.optimesh.coordinator.pruning;

import io.optimesh.v1.Trial;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Asynchronous successive halving (Li et al., 2020) as Optuna's SuccessiveHalvingPruner runs it:
 * rung {@code k} sits at step {@code minResource * eta^(minEarlyStoppingRate + k)}. When a trial's
 * report first reaches a rung, its loss there is compared with the losses every trial had when it
 * reached that rung (the first report at or after the rung's step); the trial goes on only if it is
 * among the best {@code 1/eta} of them (the best one, while fewer than eta have reached it), and is
 * pruned otherwise. A rung is judged once, at the report that reaches it, so a promotion is never
 * taken back.
 */
public final class AshaPruner implements Pruner {

    public static final int DEFAULT_REDUCTION_FACTOR = 3;

    private final long minResource;
    private final int reductionFactor;
    private final int minEarlyStoppingRate;

    public AshaPruner(long minResource, int reductionFactor, int minEarlyStoppingRate) {
        if (minResource < 1 || reductionFactor < 2 || minEarlyStoppingRate < 0) {
            throw new IllegalArgumentException(
                    "need minResource >= 1, reductionFactor >= 2, minEarlyStoppingRate >= 0");
        }
        this.minResource = minResource;
        this.reductionFactor = reductionFactor;
        this.minEarlyStoppingRate = minEarlyStoppingRate;
    }

    /** The step of rung {@code k}, saturating rather than overflowing. */
    public long rungStep(int k) {
        double step = minResource * Math.pow(reductionFactor, minEarlyStoppingRate + k);
        return step >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) step;
    }

    @Override
    public PruneDecision decide(Trial trial, List<Trial> trials) {
        if (trial.getIntermediateValuesCount() == 0) {
            return PruneDecision.proceed("nothing reported yet");
        }
        long step = Reports.last(trial).getStep();
        double value = Reports.last(trial).getValue();
        long previous = Reports.previousStep(trial);
        String verdict = "below the first rung (step " + rungStep(0) + ")";
        for (int k = 0; rungStep(k) <= step; k++) {
            long rung = rungStep(k);
            if (previous >= rung) {
                verdict = "promoted past rung " + k + " earlier";
                continue;
            }
            if (Double.isNaN(value)) {
                return PruneDecision.prune("loss is NaN at rung " + k + " (step " + step + ")");
            }
            List<Double> competing = new ArrayList<>();
            for (Trial t : trials) {
                if (!t.getName().equals(trial.getName())) {
                    OptionalDouble v = Reports.reached(t, rung);
                    if (v.isPresent()) {
                        competing.add(Reports.orWorst(v.getAsDouble()));
                    }
                }
            }
            competing.add(value);
            competing.sort(null);
            int promotable = Math.max(0, competing.size() / reductionFactor - 1);
            double cut = competing.get(promotable);
            if (value > cut) {
                return PruneDecision.prune(
                        String.format(
                                "successive halving: loss %.6g at rung %d (step %d) is not in the"
                                        + " best 1/%d of the %d trials that reached it (cut %.6g)",
                                value, k, rung, reductionFactor, competing.size(), cut));
            }
            verdict = String.format("promoted at rung %d among %d trials", k, competing.size());
        }
        return PruneDecision.proceed(verdict);
    }
}
