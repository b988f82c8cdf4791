package io.optimesh.optimizer.grpc;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.optimizer.state.StateException;

/** The gRPC status of each way the state store refuses a request. */
final class StateErrors {

    // ErrorInfo reasons.
    static final String INVALID_OPTIMIZER_STATE_REQUEST = "INVALID_OPTIMIZER_STATE_REQUEST";
    static final String OPTIMIZER_STATE_MEMORY_LIMIT = "OPTIMIZER_STATE_MEMORY_LIMIT";
    static final String STEP_OUT_OF_ORDER = "STEP_OUT_OF_ORDER";
    static final String SNAPSHOT_IO = "SNAPSHOT_IO";

    private StateErrors() {}

    static StatusRuntimeException status(StateException e) {
        return switch (e.kind()) {
            case INVALID -> GrpcErrors.invalidArgument(INVALID_OPTIMIZER_STATE_REQUEST,
                    e.violations().stream()
                            .map(v -> FieldViolation.newBuilder()
                                    .setField(v.field())
                                    .setDescription(v.description())
                                    .build())
                            .toList());
            case NOT_FOUND -> GrpcErrors.notFound(e.getMessage());
            case ALREADY_EXISTS -> GrpcErrors.alreadyExists(e.getMessage());
            case MEMORY_LIMIT -> GrpcErrors.error(Code.RESOURCE_EXHAUSTED, OPTIMIZER_STATE_MEMORY_LIMIT,
                    e.getMessage(), e.metadata());
            case STEP_OUT_OF_ORDER -> GrpcErrors.failedPrecondition(STEP_OUT_OF_ORDER, e.getMessage(),
                    e.metadata());
            case SNAPSHOT_IO -> GrpcErrors.error(Code.UNAVAILABLE, SNAPSHOT_IO, e.getMessage(), e.metadata());
        };
    }
}
