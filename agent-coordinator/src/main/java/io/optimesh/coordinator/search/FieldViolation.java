package io.optimesh.coordinator.search;

/**
 * One reason a request is refused, naming the offending field by its path in the request (e.g.
 * {@code spec.search_space.parameters[2].name}), as google.rpc.BadRequest field violations do.
 */
public record FieldViolation(String field, String description) {}
