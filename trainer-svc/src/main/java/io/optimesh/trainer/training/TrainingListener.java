package io.optimesh.trainer.training;

import java.util.List;

/**
 * Receives a run's progress on the training thread; implementations should hand work off rather
 * than block, since the loop waits for them.
 */
public interface TrainingListener {

    /** Does nothing. */
    TrainingListener NONE = new TrainingListener() {};

    /** Step metrics, in step order, in batches of up to {@link TrainingConfig#metricsBatch()}. */
    default void onStepMetrics(List<StepMetrics> batch) {}

    /** An evaluation; metrics of the steps before it have already been delivered. */
    default void onEvaluation(Evaluation evaluation) {}

    /** A checkpoint was saved; metrics and evaluations up to its step have been delivered. */
    default void onCheckpoint(CheckpointSink.Saved saved) {}
}
