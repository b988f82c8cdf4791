package io.optimesh.trainer.run;

/**
 * One problem with a request: the path of the offending field in the request (protobuf names, e.g.
 * {@code spec.dataset.path}) and what is wrong with it.
 */
public record Violation(String field, String description) {

    @Override
    public String toString() {
        return field + ": " + description;
    }
}
