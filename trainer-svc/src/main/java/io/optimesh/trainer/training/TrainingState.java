package io.optimesh.trainer.training;

import io.optimesh.trainer.model.Gpt;

/**
 * A run between two steps, as a checkpoint needs it. The model and optimizer are live: read them
 * before {@link CheckpointSink#save} returns, as the next step changes them in place.
 *
 * @param step optimizer steps applied, which is the step a resumed run starts at
 * @param seed the run seed batches and dropout masks are derived from
 * @param tokensSeen training tokens consumed so far
 * @param bestLoss lowest step loss so far (for divergence detection after a resume)
 * @param lastLoss loss of the last applied step
 * @param lastEvaluation the latest evaluation, or null
 * @param model the model
 * @param optimizer the optimizer and its state
 */
public record TrainingState(
        long step,
        long seed,
        long tokensSeen,
        double bestLoss,
        double lastLoss,
        Evaluation lastEvaluation,
        Gpt model,
        ParameterUpdate optimizer) {}
