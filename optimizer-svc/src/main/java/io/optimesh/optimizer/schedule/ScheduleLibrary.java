package io.optimesh.optimizer.schedule;

import io.optimesh.core.schedule.ScheduleChecks;
import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.core.schedule.ScheduleSummary;
import io.optimesh.core.schedule.ScheduleViolation;
import io.optimesh.v1.Schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates schedules for callers, at every step or at the steps they ask for, within the limits
 * this service sets on one answer.
 */
public final class ScheduleLibrary {

    /** The learning rates at the steps evaluated, and the features of the whole schedule. */
    public record Evaluation(long[] steps, double[] learningRates, ScheduleSummary summary) {}

    private final int maxReturnedSteps;
    private final long maxTotalSteps;

    public ScheduleLibrary(int maxReturnedSteps, long maxTotalSteps) {
        this.maxReturnedSteps = maxReturnedSteps;
        this.maxTotalSteps = maxTotalSteps;
    }

    /**
     * What is wrong with a request to evaluate {@code schedule} at {@code steps} (every step when
     * empty), as field violations of EvaluateScheduleRequest.
     */
    public List<ScheduleViolation> check(Schedule schedule, long[] steps) {
        List<ScheduleViolation> found =
                new ArrayList<>(ScheduleChecks.violations(schedule, "schedule"));
        long total = schedule.getTotalSteps();
        if (total > maxTotalSteps) {
            found.add(
                    new ScheduleViolation(
                            "schedule.total_steps",
                            "this service evaluates schedules of at most "
                                    + maxTotalSteps
                                    + " steps, got "
                                    + total));
        }
        if (steps.length == 0 && total > maxReturnedSteps) {
            found.add(
                    new ScheduleViolation(
                            "steps",
                            "the schedule has "
                                    + total
                                    + " steps, more than the "
                                    + maxReturnedSteps
                                    + " one response returns: list the steps to evaluate"));
        }
        if (steps.length > maxReturnedSteps) {
            found.add(
                    new ScheduleViolation(
                            "steps",
                            "at most "
                                    + maxReturnedSteps
                                    + " steps per request, got "
                                    + steps.length));
        }
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 0 || steps[i] >= total) {
                found.add(
                        new ScheduleViolation(
                                "steps[" + i + "]",
                                "step "
                                        + steps[i]
                                        + " is outside the schedule's steps [0, "
                                        + total
                                        + ")"));
                break;
            }
        }
        return found;
    }

    /** Evaluates a request that {@link #check} found sound. */
    public Evaluation evaluate(Schedule schedule, long[] steps) {
        ScheduleEvaluator evaluator = ScheduleEvaluator.of(schedule);
        if (steps.length == 0) {
            double[] all = evaluator.values();
            long[] indices = new long[all.length];
            for (int s = 0; s < indices.length; s++) {
                indices[s] = s;
            }
            return new Evaluation(indices, all, ScheduleSummary.of(all, evaluator.warmupSteps()));
        }
        double[] learningRates = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            learningRates[i] = evaluator.at(steps[i]);
        }
        return new Evaluation(steps.clone(), learningRates, ScheduleSummary.of(schedule));
    }
}
