package io.optimesh.coordinator.pruning;

import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.Trial;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Median stopping with Optuna's MedianPruner semantics: once {@code startupTrials} trials have
 * succeeded, a trial past {@code warmupSteps} is pruned at the first report of each interval of
 * {@code intervalSteps} (counted from the warm-up) when its best loss so far is worse than the
 * median of the succeeded trials' losses reported at that same step. A step no succeeded trial
 * reported at gives no verdict; a NaN loss prunes.
 */
public final class MedianPruner implements Pruner {

    public static final int DEFAULT_STARTUP_TRIALS = 5;

    private final int startupTrials;
    private final long warmupSteps;
    private final long intervalSteps;

    public MedianPruner(int startupTrials, long warmupSteps, long intervalSteps) {
        if (startupTrials < 0 || warmupSteps < 0 || intervalSteps < 1) {
            throw new IllegalArgumentException(
                    "need startupTrials >= 0, warmupSteps >= 0, intervalSteps >= 1");
        }
        this.startupTrials = startupTrials;
        this.warmupSteps = warmupSteps;
        this.intervalSteps = intervalSteps;
    }

    @Override
    public PruneDecision decide(Trial trial, List<Trial> trials) {
        if (trial.getIntermediateValuesCount() == 0) {
            return PruneDecision.proceed("nothing reported yet");
        }
        long step = Reports.last(trial).getStep();
        List<Trial> succeeded = Reports.otherSucceeded(trial, trials);
        if (succeeded.isEmpty() || succeeded.size() < startupTrials) {
            return PruneDecision.proceed(
                    succeeded.size() + " of " + startupTrials + " start-up trials have succeeded");
        }
        if (step < warmupSteps) {
            return PruneDecision.proceed("step " + step + " is within the warm-up");
        }
        if (!firstInInterval(trial, step)) {
            return PruneDecision.proceed("not the first report of its interval");
        }
        double best = Double.POSITIVE_INFINITY;
        for (IntermediateValue v : trial.getIntermediateValuesList()) {
            if (Double.isNaN(v.getValue())) {
                return PruneDecision.prune("loss is NaN at step " + v.getStep());
            }
            best = Math.min(best, v.getValue());
        }
        List<Double> others = new ArrayList<>();
        for (Trial t : succeeded) {
            OptionalDouble v = Reports.at(t, step);
            if (v.isPresent() && !Double.isNaN(v.getAsDouble())) {
                others.add(v.getAsDouble());
            }
        }
        if (others.isEmpty()) {
            return PruneDecision.proceed("no succeeded trial reported at step " + step);
        }
        double median = percentile(others, 50);
        if (best > median) {
            return PruneDecision.prune(
                    String.format(
                            "median rule: best loss %.6g by step %d is worse than the median %.6g"
                                    + " of %d succeeded trials at that step",
                            best, step, median, others.size()));
        }
        return PruneDecision.proceed(
                String.format("best loss %.6g is within the median %.6g", best, median));
    }

    /** Whether no earlier report falls in the same interval as this one (Optuna's rule). */
    private boolean firstInInterval(Trial trial, long step) {
        long nearestLowerPruningStep =
                (step - warmupSteps) / intervalSteps * intervalSteps + warmupSteps;
        return Reports.previousStep(trial) < nearestLowerPruningStep;
    }

    /** numpy's default (linear) percentile. */
    static double percentile(List<Double> values, double q) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double rank = q / 100 * (v.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(v.length - 1, lo + 1);
        return v[lo] + (rank - lo) * (v[hi] - v[lo]);
    }
}
