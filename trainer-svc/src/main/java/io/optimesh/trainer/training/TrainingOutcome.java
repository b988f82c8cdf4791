package io.optimesh.trainer.training;

import java.time.Duration;

/**
 * How a call to {@link TrainingLoop#run} ended.
 *
 * @param status why it ended
 * @param stepsCompleted optimizer steps applied in total (the step a resumed run would start at)
 * @param tokensSeen training tokens consumed by those steps
 * @param lastLoss loss of the last applied step, NaN when none ran
 * @param lastEvaluation the last evaluation, or null when none ran
 * @param divergence the evidence when {@code status} is DIVERGED, otherwise null
 * @param elapsed wall time of this call
 */
public record TrainingOutcome(
        Status status,
        long stepsCompleted,
        long tokensSeen,
        double lastLoss,
        Evaluation lastEvaluation,
        Divergence divergence,
        Duration elapsed) {

    public enum Status {
        /** Every step up to the configured total ran. */
        COMPLETED,
        /** A stop was requested; steps so far were applied. */
        STOPPED,
        /** A step's loss or gradient diverged; its update was not applied. */
        DIVERGED
    }
}
