package io.optimesh.coordinator.execution;

import io.optimesh.v1.RunSpec;

/**
 * Where trials train: trainer-svc in production ({@link TrainerTrialExecutor}). The runner knows
 * trials only through this, so it can be exercised on any real objective.
 */
public interface TrialExecutor {

    /**
     * Starts the run of one attempt of a trial, or finds the run an earlier call with the same
     * request id started: calling twice never trains twice.
     *
     * @return the run's name, {@code runs/{run}}
     */
    String start(String requestId, RunSpec spec) throws TrialExecutionException;

    /**
     * Follows a run until it ends, telling {@code listener} of each new held-out evaluation.
     *
     * @throws InterruptedException when the calling thread is interrupted (the coordinator stops)
     */
    TrialOutcome follow(String run, EvaluationListener listener)
            throws TrialExecutionException, InterruptedException;

    /** Asks a run to stop after its current step; a run that has already ended is left alone. */
    void stop(String run) throws TrialExecutionException;

    /** Receives a run's evaluations in step order. */
    @FunctionalInterface
    interface EvaluationListener {
        void evaluated(long step, double loss);
    }
}
