package io.optimesh.merge.api;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The errors merge-svc answers with (AIP-193): a {@code google.rpc.Status} with an {@link ErrorInfo}
 * (UPPER_SNAKE_CASE reason, domain {@value #DOMAIN}) and, where it applies, a {@link BadRequest} or a
 * {@link ResourceInfo}. Kept in this one class until core's shared GrpcErrors is on main.
 */
final class GrpcStatuses {

    static final String DOMAIN = "optimesh.io";

    private GrpcStatuses() {
    }

    static FieldViolation violation(String field, String reason, String description) {
        return FieldViolation.newBuilder().setField(field).setReason(reason).setDescription(description).build();
    }

    /** INVALID_ARGUMENT with one field violation per problem; the message lists them too. */
    static StatusRuntimeException invalidArgument(String reason, List<FieldViolation> violations, Map<String, String> metadata) {
        String message = violations.stream()
                .map(v -> v.getField() + ": " + v.getDescription())
                .collect(Collectors.joining("; ", "invalid request: ", ""));
        return error(Code.INVALID_ARGUMENT, reason, message, metadata,
                BadRequest.newBuilder().addAllFieldViolations(violations).build());
    }

    static StatusRuntimeException notFound(String reason, String resourceType, String resourceName, String message,
            Map<String, String> metadata) {
        return error(Code.NOT_FOUND, reason, message, metadata, resourceInfo(resourceType, resourceName, "not found"));
    }

    static StatusRuntimeException alreadyExists(String reason, String resourceType, String resourceName, String message,
            Map<String, String> metadata) {
        return error(Code.ALREADY_EXISTS, reason, message, metadata, resourceInfo(resourceType, resourceName, "already exists"));
    }

    static StatusRuntimeException unimplemented(String reason, String message, Map<String, String> metadata) {
        return error(Code.UNIMPLEMENTED, reason, message, metadata);
    }

    static StatusRuntimeException internal(String reason, String message, Map<String, String> metadata) {
        return error(Code.INTERNAL, reason, message, metadata);
    }

    private static StatusRuntimeException error(Code code, String reason, String message, Map<String, String> metadata,
            Message... details) {
        Status.Builder status = Status.newBuilder()
                .setCode(code.getNumber())
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build()));
        for (Message detail : details) {
            status.addDetails(Any.pack(detail));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    private static ResourceInfo resourceInfo(String type, String name, String description) {
        return ResourceInfo.newBuilder().setResourceType(type).setResourceName(name).setDescription(description).build();
    }
}
