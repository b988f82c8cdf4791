package io.optimesh.optimizer.state;

import java.util.List;
import java.util.Map;

/** Why the state store refused a request; the gRPC edge maps each kind to a status. */
public final class StateException extends RuntimeException {

    public enum Kind {
        /** The request is malformed; {@link #violations()} says where. */
        INVALID,
        NOT_FOUND,
        ALREADY_EXISTS,
        /** Holding the state would exceed the configured memory limit. */
        MEMORY_LIMIT,
        /** An update for a step other than the next one. */
        STEP_OUT_OF_ORDER,
        /** A snapshot could not be written or read. */
        SNAPSHOT_IO
    }

    /** One broken rule of a request, on a field path such as {@code parameters[2].shape}. */
    public record Violation(String field, String description) {}

    private final Kind kind;
    private final List<Violation> violations;
    private final Map<String, String> metadata;

    private StateException(
            Kind kind, String message, List<Violation> violations, Map<String, String> metadata) {
        super(message);
        this.kind = kind;
        this.violations = List.copyOf(violations);
        this.metadata = Map.copyOf(metadata);
    }

    static StateException invalid(List<Violation> violations) {
        return new StateException(Kind.INVALID, violations.toString(), violations, Map.of());
    }

    static StateException invalid(String field, String description) {
        return invalid(List.of(new Violation(field, description)));
    }

    static StateException of(Kind kind, String message, Map<String, String> metadata) {
        return new StateException(kind, message, List.of(), metadata);
    }

    public Kind kind() {
        return kind;
    }

    public List<Violation> violations() {
        return violations;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
