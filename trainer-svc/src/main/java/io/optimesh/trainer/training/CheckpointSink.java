package io.optimesh.trainer.training;

/** Persists a run's state when the loop reaches a checkpoint; runs on the training thread. */
@FunctionalInterface
public interface CheckpointSink {

    /** Where a checkpoint went. */
    record Saved(long step, String location) {}

    /**
     * Saves {@code state}; the loop waits, and a failure (an unchecked exception) ends the run.
     *
     * @return where it was saved
     */
    Saved save(TrainingState state);
}
