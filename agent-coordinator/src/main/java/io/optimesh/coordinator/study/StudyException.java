package io.optimesh.coordinator.study;

import io.optimesh.coordinator.search.FieldViolation;

import java.util.List;

/** A study command refused, with the reason a client can act on. */
public final class StudyException extends RuntimeException {

    /** Why: each maps onto one gRPC status code at the edge. */
    public enum Kind {
        INVALID_ARGUMENT,
        NOT_FOUND,
        ALREADY_EXISTS,
        FAILED_PRECONDITION,
        UNAVAILABLE
    }

    private final Kind kind;
    private final String reason;
    private final String resource;
    private final List<FieldViolation> violations;

    private StudyException(
            Kind kind,
            String reason,
            String resource,
            String message,
            List<FieldViolation> violations) {
        super(message);
        this.kind = kind;
        this.reason = reason;
        this.resource = resource;
        this.violations = List.copyOf(violations);
    }

    /**
     * @param reason UPPER_SNAKE_CASE, e.g. INVALID_STUDY_SPEC
     */
    public static StudyException invalid(String reason, List<FieldViolation> violations) {
        String first = violations.get(0).field() + ": " + violations.get(0).description();
        String more = violations.size() > 1 ? " (and " + (violations.size() - 1) + " more)" : "";
        return new StudyException(Kind.INVALID_ARGUMENT, reason, "", first + more, violations);
    }

    public static StudyException notFound(String name) {
        return new StudyException(
                Kind.NOT_FOUND, "STUDY_NOT_FOUND", name, name + " does not exist", List.of());
    }

    public static StudyException alreadyExists(String name) {
        return new StudyException(
                Kind.ALREADY_EXISTS,
                "STUDY_ALREADY_EXISTS",
                name,
                name + " already exists (created with another request id)",
                List.of());
    }

    /**
     * @param name the study, {@code studies/{id}}
     */
    public static StudyException wrongState(String reason, String name, String message) {
        return new StudyException(Kind.FAILED_PRECONDITION, reason, name, message, List.of());
    }

    public static StudyException logUnavailable(String message) {
        return new StudyException(
                Kind.UNAVAILABLE, "STUDY_LOG_UNAVAILABLE", "", message, List.of());
    }

    public Kind kind() {
        return kind;
    }

    /** UPPER_SNAKE_CASE, for google.rpc.ErrorInfo. */
    public String reason() {
        return reason;
    }

    /** The resource concerned, e.g. {@code studies/s1}; empty when none is. */
    public String resource() {
        return resource;
    }

    public List<FieldViolation> violations() {
        return violations;
    }
}
