package io.optimesh.optimizer.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.optimesh.core.schedule.ScheduleViolation;
import java.util.List;

/** The google.rpc.Status errors this service answers with (ErrorInfo domain optimesh.io). */
final class GrpcStatuses {

  static final String DOMAIN = "optimesh.io";

  private GrpcStatuses() {}

  static BadRequest.FieldViolation fieldViolation(String field, String description) {
    return BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description).build();
  }

  static BadRequest.FieldViolation fieldViolation(ScheduleViolation violation) {
    return fieldViolation(violation.field(), violation.description());
  }

  /** INVALID_ARGUMENT with an ErrorInfo reason and a BadRequest listing the field violations. */
  static StatusRuntimeException invalidArgument(
      String reason, String message, List<BadRequest.FieldViolation> violations) {
    BadRequest badRequest = BadRequest.newBuilder().addAllFieldViolations(violations).build();
    return StatusProto.toStatusRuntimeException(
        Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .setMessage(message)
            .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build()))
            .addDetails(Any.pack(badRequest))
            .build());
  }

  /** UNIMPLEMENTED with an ErrorInfo reason. */
  static StatusRuntimeException unimplemented(String reason, String message) {
    return StatusProto.toStatusRuntimeException(
        Status.newBuilder()
            .setCode(Code.UNIMPLEMENTED_VALUE)
            .setMessage(message)
            .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build()))
            .build());
  }
}
