package io.optimesh.coordinator.api;

import com.google.rpc.BadRequest;

import io.grpc.StatusRuntimeException;
import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.coordinator.study.StudyException;
import io.optimesh.core.grpc.GrpcErrors;

import java.util.List;
import java.util.Map;

/** A refused study command as the mesh's gRPC error (core's {@link GrpcErrors}). */
final class StudyErrors {

    private StudyErrors() {}

    static StatusRuntimeException toStatus(StudyException e) {
        Map<String, String> metadata =
                e.resource().isEmpty() ? Map.of() : Map.of("resource", e.resource());
        return switch (e.kind()) {
            case INVALID_ARGUMENT ->
                    GrpcErrors.invalidArgument(e.reason(), violations(e.violations()));
            case NOT_FOUND -> GrpcErrors.notFound(e.resource());
            case ALREADY_EXISTS -> GrpcErrors.alreadyExists(e.resource());
            case FAILED_PRECONDITION ->
                    GrpcErrors.failedPrecondition(e.reason(), e.getMessage(), metadata);
            case UNAVAILABLE -> GrpcErrors.unavailable(e.reason(), e.getMessage(), metadata);
        };
    }

    private static List<BadRequest.FieldViolation> violations(List<FieldViolation> violations) {
        return violations.stream()
                .map(
                        v ->
                                BadRequest.FieldViolation.newBuilder()
                                        .setField(v.field())
                                        .setDescription(v.description())
                                        .build())
                .toList();
    }
}
