package io.optimesh.coordinator.execution;

/** A call to the trainer failed. */
public final class TrialExecutionException extends Exception {

    private final boolean retryable;

    public TrialExecutionException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether the same call may succeed later (trainer restarting, overloaded, unreachable). */
    public boolean retryable() {
        return retryable;
    }
}
