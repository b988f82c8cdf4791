package io.optimesh.merge.api;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.ErrorInfo;
import io.optimesh.core.grpc.GrpcErrors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** The google.rpc details of a gRPC error as a client reads them, in shapes that are easy to assert on. */
final class GrpcErrorDetails {

    private GrpcErrorDetails() {
    }

    static ErrorInfo errorInfo(Throwable error) {
        return GrpcErrors.errorInfo(error).orElseThrow(() -> new AssertionError("no ErrorInfo in " + error));
    }

    /** Field → description of each BadRequest field violation, in order. */
    static Map<String, String> violations(Throwable error) {
        return byField(error, FieldViolation::getDescription);
    }

    /** Field → reason of each field violation, in order. */
    static Map<String, String> violationReasons(Throwable error) {
        return byField(error, FieldViolation::getReason);
    }

    private static Map<String, String> byField(Throwable error, Function<FieldViolation, String> value) {
        Map<String, String> out = new LinkedHashMap<>();
        GrpcErrors.fieldViolations(error).forEach(v -> out.put(v.getField(), value.apply(v)));
        return out;
    }
}
