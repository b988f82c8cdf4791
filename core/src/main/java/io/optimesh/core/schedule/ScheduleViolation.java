package io.optimesh.core.schedule;

import java.util.Objects;

/**
 * One problem with a schedule: the path of the offending field (protobuf field names, e.g. {@code
 * schedule.piecewise_linear.knots[2].step}) and what is wrong with it, in the shape of a {@code
 * google.rpc.BadRequest.FieldViolation}.
 */
public record ScheduleViolation(String field, String description) {

    public ScheduleViolation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(description, "description");
    }

    @Override
    public String toString() {
        return field + ": " + description;
    }
}
