package io.optimesh.merge.api;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.protobuf.StatusProto;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the google.rpc details of a gRPC error the way a client does. */
final class GrpcErrorDetails {

    private GrpcErrorDetails() {
    }

    static ErrorInfo errorInfo(Throwable error) {
        return detail(error, ErrorInfo.class);
    }

    /** Field → description of each BadRequest field violation, in order. */
    static Map<String, String> violations(Throwable error) {
        Map<String, String> out = new LinkedHashMap<>();
        detail(error, BadRequest.class).getFieldViolationsList().forEach(v -> out.put(v.getField(), v.getDescription()));
        return out;
    }

    /** Field → reason of each field violation. */
    static Map<String, String> violationReasons(Throwable error) {
        Map<String, String> out = new LinkedHashMap<>();
        detail(error, BadRequest.class).getFieldViolationsList().forEach(v -> out.put(v.getField(), v.getReason()));
        return out;
    }

    static <T extends Message> T detail(Throwable error, Class<T> type) {
        com.google.rpc.Status status = StatusProto.fromThrowable(error);
        if (status == null) {
            throw new AssertionError("no google.rpc.Status in " + error);
        }
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return any.unpack(type);
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + status);
    }
}
