package io.optimesh.coordinator.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.coordinator.study.StudyException;

/**
 * Refusals as rich gRPC errors: a google.rpc.Status carrying ErrorInfo (UPPER_SNAKE_CASE reason,
 * domain optimesh.io) and, for bad input, BadRequest field violations.
 *
 * <p>Stands in until optimesh-core's GrpcErrors is available; then this class goes.
 */
final class GrpcStatuses {

  static final String DOMAIN = "optimesh.io";

  private GrpcStatuses() {}

  static StatusRuntimeException of(StudyException e) {
    Code code =
        switch (e.kind()) {
          case INVALID_ARGUMENT -> Code.INVALID_ARGUMENT;
          case NOT_FOUND -> Code.NOT_FOUND;
          case ALREADY_EXISTS -> Code.ALREADY_EXISTS;
          case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
          case UNAVAILABLE -> Code.UNAVAILABLE;
        };
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(e.getMessage())
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder().setReason(e.reason()).setDomain(DOMAIN).build()));
    if (!e.violations().isEmpty()) {
      BadRequest.Builder badRequest = BadRequest.newBuilder();
      for (FieldViolation v : e.violations()) {
        badRequest.addFieldViolationsBuilder().setField(v.field()).setDescription(v.description());
      }
      status.addDetails(Any.pack(badRequest.build()));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }
}
