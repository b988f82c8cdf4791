package io.optimesh.core.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
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
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The mesh's gRPC errors (AIP-193): a {@code google.rpc.Status} carrying an {@link ErrorInfo}
 * (machine-readable reason, domain {@value #DOMAIN}, metadata) and, where it applies, a
 * {@link BadRequest} or {@link ResourceInfo}, thrown as a {@link StatusRuntimeException} whose
 * trailers hold the details for any gRPC client.
 */
public final class GrpcErrors {

    /** The ErrorInfo domain of every OptiMesh service. */
    public static final String DOMAIN = "optimesh.io";

    /** The reason of requests that break the constraints declared in the .proto files. */
    public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";
    public static final String RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND";
    public static final String RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS";

    // google.rpc.ErrorInfo: UPPER_SNAKE_CASE, at most 63 characters.
    private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,61}[A-Z0-9]");

    private GrpcErrors() {
    }

    /** INVALID_ARGUMENT with one field violation per broken rule; the message lists them too. */
    public static StatusRuntimeException invalidArgument(String reason, List<FieldViolation> violations) {
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("An INVALID_ARGUMENT error needs at least one field violation");
        }
        String message = violations.stream()
                .map(v -> v.getField().isEmpty() ? v.getDescription() : v.getField() + ": " + v.getDescription())
                .collect(Collectors.joining("; ", "invalid request: ", ""));
        return error(Code.INVALID_ARGUMENT, reason, message, Map.of(),
                BadRequest.newBuilder().addAllFieldViolations(violations).build());
    }

    /** NOT_FOUND for a resource name such as {@code runs/r1}. */
    public static StatusRuntimeException notFound(String resourceName) {
        return error(Code.NOT_FOUND, RESOURCE_NOT_FOUND, resourceName + " not found", Map.of("resource", resourceName),
                resourceInfo(resourceName, "not found"));
    }

    /** ALREADY_EXISTS for a resource name such as {@code studies/s1}. */
    public static StatusRuntimeException alreadyExists(String resourceName) {
        return error(Code.ALREADY_EXISTS, RESOURCE_ALREADY_EXISTS, resourceName + " already exists",
                Map.of("resource", resourceName), resourceInfo(resourceName, "already exists"));
    }

    /** FAILED_PRECONDITION: the request is well formed but the system is not in a state to run it. */
    public static StatusRuntimeException failedPrecondition(String reason, String message, Map<String, String> metadata) {
        return error(Code.FAILED_PRECONDITION, reason, message, metadata);
    }

    /** UNAVAILABLE: transient, the client may retry (e.g. a dependency is down). */
    public static StatusRuntimeException unavailable(String reason, String message, Map<String, String> metadata) {
        return error(Code.UNAVAILABLE, reason, message, metadata);
    }

    /** INTERNAL: a bug or broken invariant on the server side. */
    public static StatusRuntimeException internal(String reason, String message, Map<String, String> metadata) {
        return error(Code.INTERNAL, reason, message, metadata);
    }

    /** Any code, with an ErrorInfo and the given further details. */
    public static StatusRuntimeException error(Code code, String reason, String message, Map<String, String> metadata,
            Message... details) {
        if (!REASON.matcher(reason).matches()) {
            throw new IllegalArgumentException("ErrorInfo reason must be UPPER_SNAKE_CASE of at most 63 characters: " + reason);
        }
        Status.Builder status = Status.newBuilder()
                .setCode(code.getNumber())
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build()));
        for (Message detail : details) {
            status.addDetails(Any.pack(detail));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /** The ErrorInfo of a gRPC error (as a client or a test sees it), if it has one. */
    public static Optional<ErrorInfo> errorInfo(Throwable error) {
        return detail(error, ErrorInfo.class);
    }

    /** The field violations of a gRPC error, empty when it has no BadRequest. */
    public static List<FieldViolation> fieldViolations(Throwable error) {
        return detail(error, BadRequest.class).map(BadRequest::getFieldViolationsList).orElse(List.of());
    }

    /** The first detail of the given type in a gRPC error's {@code google.rpc.Status}. */
    public static <T extends Message> Optional<T> detail(Throwable error, Class<T> type) {
        Status status = StatusProto.fromThrowable(error);
        if (status == null) {
            return Optional.empty();
        }
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return Optional.of(any.unpack(type));
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** AIP-193 ResourceInfo; the type is the collection of the last id, e.g. {@code trials} in {@code studies/s/trials/t}. */
    private static ResourceInfo resourceInfo(String resourceName, String description) {
        String[] segments = resourceName.split("/");
        String type = segments.length >= 2 ? segments[segments.length - 2] : "";
        return ResourceInfo.newBuilder()
                .setResourceName(resourceName)
                .setResourceType(type)
                .setDescription(description)
                .build();
    }
}
