package io.optimesh.core.grpc;

import build.buf.protovalidate.ValidationResult;
import build.buf.protovalidate.Validator;
import build.buf.protovalidate.ValidatorFactory;
import build.buf.protovalidate.exceptions.ValidationException;
import build.buf.validate.FieldPath;
import build.buf.validate.FieldPathElement;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest.FieldViolation;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.optimesh.v1.ApplyUpdatesRequest;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Validates every incoming request message against the protovalidate constraints declared in the
 * .proto files before a service sees it. A request that breaks any is answered with
 * INVALID_ARGUMENT, an ErrorInfo with reason {@value GrpcErrors#INVALID_ARGUMENT}, and a BadRequest
 * listing each violation with its field path ({@code spec.schedule.total_steps},
 * {@code knots[2].lr}); services only check what needs state. The item rules of long lists are
 * checked by {@link ListItemRules} instead, with the same result.
 *
 * <p>One exception keeps the remote optimizer's hot path cheap: the gradients of an {@code
 * ApplyUpdatesRequest} (megabytes of tensors, dozens a step) are left to optimizer-svc, which checks
 * each against the parameter it updates (a known name, F32, its shape, its byte size), a check that
 * implies every {@code optimesh.v1.Tensor} constraint; the CEL rules of those tensors cost more than
 * moving them. The message's other fields are validated here as usual.
 */
@ApplicationScoped
@GlobalInterceptor
public class ValidatingServerInterceptor implements ServerInterceptor {

    private static final Logger LOG = Logger.getLogger(ValidatingServerInterceptor.class);

    // Thread-safe; compiles and caches each message type's rules on first use.
    private final Validator validator;
    // The item rules of long lists, which protovalidate's CEL makes too slow.
    private final ListItemRules listItemRules = new ListItemRules();

    public ValidatingServerInterceptor() {
        this(ValidatorFactory.newBuilder().build());
    }

    ValidatingServerInterceptor(Validator validator) {
        this.validator = validator;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            // Listener callbacks are serialized per call, so a plain field is enough.
            private boolean rejected;

            @Override
            public void onMessage(ReqT message) {
                if (rejected) {
                    return;
                }
                Optional<StatusRuntimeException> error =
                        message instanceof Message m ? validate(m) : Optional.empty();
                if (error.isPresent()) {
                    rejected = true;
                    call.close(error.get().getStatus(), error.get().getTrailers());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                // The call is closed: the handler must not run (a unary one would see no request).
                if (!rejected) {
                    super.onHalfClose();
                }
            }
        };
    }

    /** The error a request deserves, or empty when it satisfies its constraints. */
    Optional<StatusRuntimeException> validate(Message request) {
        ValidationResult result;
        try {
            result = validator.validate(withoutServiceCheckedTensors(request));
        } catch (ValidationException e) {
            // The constraints themselves are broken (e.g. a CEL expression that does not compile): a server bug.
            LOG.errorf(e, "Cannot validate %s", request.getDescriptorForType().getFullName());
            return Optional.of(GrpcErrors.internal("VALIDATION_RULES_BROKEN",
                    "cannot validate " + request.getDescriptorForType().getFullName() + ": " + e.getMessage(),
                    Map.of("type", request.getDescriptorForType().getFullName())));
        }
        List<FieldViolation> violations = new ArrayList<>();
        result.getViolations().forEach(v -> violations.add(toFieldViolation(v.toProto())));
        violations.addAll(listItemRules.violations(request));
        if (violations.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(GrpcErrors.invalidArgument(GrpcErrors.INVALID_ARGUMENT, violations));
    }

    private static Message withoutServiceCheckedTensors(Message request) {
        if (request instanceof ApplyUpdatesRequest updates && updates.getGradientsCount() > 0) {
            return updates.toBuilder().clearGradients().build();
        }
        return request;
    }

    private static FieldViolation toFieldViolation(build.buf.validate.Violation violation) {
        FieldViolation.Builder out = FieldViolation.newBuilder()
                .setField(fieldPath(violation.getField()))
                .setDescription(violation.getMessage());
        if (!violation.getRuleId().isEmpty()) {
            // Rule ids look like "int64.gt" or "schedule.warmup_within_total"; reasons are UPPER_SNAKE_CASE.
            out.setReason(violation.getRuleId().replaceAll("[^A-Za-z0-9]+", "_").toUpperCase(Locale.ROOT));
        }
        return out.build();
    }

    /** protovalidate's path notation: {@code a.b[2].c["key"]}; empty for a rule on the request itself. */
    static String fieldPath(FieldPath path) {
        StringBuilder out = new StringBuilder();
        for (FieldPathElement e : path.getElementsList()) {
            if (out.length() > 0) {
                out.append('.');
            }
            out.append(e.getFieldName());
            switch (e.getSubscriptCase()) {
                case INDEX -> out.append('[').append(e.getIndex()).append(']');
                case BOOL_KEY -> out.append('[').append(e.getBoolKey()).append(']');
                case INT_KEY -> out.append('[').append(e.getIntKey()).append(']');
                case UINT_KEY -> out.append('[').append(Long.toUnsignedString(e.getUintKey())).append(']');
                case STRING_KEY -> out.append("[\"").append(e.getStringKey().replace("\\", "\\\\").replace("\"", "\\\""))
                        .append("\"]");
                case SUBSCRIPT_NOT_SET -> {
                }
            }
        }
        return out.toString();
    }
}
