package io.optimesh.trainer.run;

import java.util.Map;

/** A well-formed request the trainer cannot carry out now, and why. */
public final class RunException extends RuntimeException {

    /** What kind of refusal it is; the API edge maps each to its status code. */
    public enum Problem {
        /** No run of that name. */
        NOT_FOUND,
        /** A run with the requested id exists already. */
        ALREADY_EXISTS,
        /** The run is not in a state that allows the request (e.g. resuming a run that succeeded). */
        WRONG_STATE,
        /** Too many runs are waiting. */
        QUEUE_FULL,
        /** The requested device is not on this machine. */
        DEVICE_UNAVAILABLE,
        /** The request asks for something this trainer does not do yet. */
        NOT_SUPPORTED,
        /** The trainer is shutting down and takes no new work. */
        SHUTTING_DOWN
    }

    private final Problem problem;
    private final String reason;
    private final transient Map<String, String> metadata;

    /**
     * @param reason UPPER_SNAKE_CASE machine-readable reason, e.g. {@code RUN_NOT_RESUMABLE}
     * @param metadata facts a client may act on (the resource, the field, the state)
     */
    public RunException(Problem problem, String reason, String message, Map<String, String> metadata) {
        super(message);
        this.problem = problem;
        this.reason = reason;
        this.metadata = Map.copyOf(metadata);
    }

    public static RunException notFound(String name) {
        return new RunException(Problem.NOT_FOUND, "RESOURCE_NOT_FOUND", name + " not found", Map.of("resource", name));
    }

    public Problem problem() {
        return problem;
    }

    public String reason() {
        return reason;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
