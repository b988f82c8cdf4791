package io.optimesh.core.grpc;

import com.google.rpc.BadRequest.FieldViolation;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the field violations of a request that protovalidate cannot see (checks that need
 * state, or cross-message rules), so that a client learns every problem at once:
 *
 * <pre>{@code
 * FieldViolations v = new FieldViolations();
 * v.check(store.exists(req.getParent()), "parent", "no such study");
 * v.throwIfAny();
 * }</pre>
 */
public final class FieldViolations {

    private final List<FieldViolation> violations = new ArrayList<>();

    /** Records a violation of {@code field} (a path such as {@code spec.schedule.total_steps}). */
    public FieldViolations add(String field, String description) {
        violations.add(FieldViolation.newBuilder().setField(field).setDescription(description).build());
        return this;
    }

    /** Records a violation with its own UPPER_SNAKE_CASE reason. */
    public FieldViolations add(String field, String reason, String description) {
        violations.add(FieldViolation.newBuilder().setField(field).setReason(reason).setDescription(description).build());
        return this;
    }

    /** Records a violation unless {@code ok}. */
    public FieldViolations check(boolean ok, String field, String description) {
        return ok ? this : add(field, description);
    }

    public boolean isEmpty() {
        return violations.isEmpty();
    }

    public List<FieldViolation> list() {
        return List.copyOf(violations);
    }

    /** Throws INVALID_ARGUMENT (reason {@value GrpcErrors#INVALID_ARGUMENT}) if anything was recorded. */
    public void throwIfAny() {
        throwIfAny(GrpcErrors.INVALID_ARGUMENT);
    }

    /** Throws INVALID_ARGUMENT with the given reason if anything was recorded. */
    public void throwIfAny(String reason) {
        if (!violations.isEmpty()) {
            throw GrpcErrors.invalidArgument(reason, list());
        }
    }
}
