package io.optimesh.core.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest.FieldViolation;
import io.optimesh.v1.EvaluateScheduleRequest;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.PredictCurveRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-item rules of the contract's long repeated scalar fields (a 72k-step explicit schedule, a
 * PredictCurve at every step), checked here instead of by protovalidate: protovalidate 1.0.0 runs
 * each item rule as a CEL program, several microseconds an item (0.5 s for a FitLaw of three 24k-step
 * schedules, 1 s for a 72k-step one), where this loop takes well under a millisecond. The .proto
 * files say at each such field that its items are checked here.
 *
 * <p>Each violation is the one protovalidate reported for the same declared rule: the same field
 * path ({@code curves[1].schedule.explicit.lrs[7]}), reason and description, for every bad item.
 */
final class ListItemRules {

    /** A declared item rule, with protovalidate's rule id and message for it. */
    enum Rule {
        /** {@code items.double = {gte: 0, finite: true}}. */
        DOUBLE_GTE_0_FINITE,
        /** {@code items.int64.gte = 0}. */
        INT64_GTE_0
    }

    static final Map<FieldDescriptor, Rule> RULES = Map.of(
            ExplicitFamily.getDescriptor().findFieldByNumber(ExplicitFamily.LRS_FIELD_NUMBER),
            Rule.DOUBLE_GTE_0_FINITE,
            PredictCurveRequest.getDescriptor().findFieldByNumber(PredictCurveRequest.STEPS_FIELD_NUMBER),
            Rule.INT64_GTE_0,
            EvaluateScheduleRequest.getDescriptor().findFieldByNumber(EvaluateScheduleRequest.STEPS_FIELD_NUMBER),
            Rule.INT64_GTE_0);

    private static final String GTE_0 = "value must be greater than or equal to 0";

    /** Per message type, the fields to visit: rule fields and message fields that can lead to one. */
    private final Map<Descriptor, List<FieldDescriptor>> routes = new ConcurrentHashMap<>();

    /** Every broken item rule anywhere in {@code message}. */
    List<FieldViolation> violations(Message message) {
        List<FieldViolation> found = new ArrayList<>();
        visit(message, "", found);
        return found;
    }

    private void visit(Message message, String prefix, List<FieldViolation> found) {
        for (FieldDescriptor field : routes(message.getDescriptorForType())) {
            String path = prefix.isEmpty() ? field.getName() : prefix + "." + field.getName();
            Rule rule = RULES.get(field);
            if (rule != null) {
                check(message, field, rule, path, found);
            } else if (field.isRepeated()) {
                int count = message.getRepeatedFieldCount(field);
                for (int i = 0; i < count; i++) {
                    visit((Message) message.getRepeatedField(field, i), path + "[" + i + "]", found);
                }
            } else if (message.hasField(field)) {
                visit((Message) message.getField(field), path, found);
            }
        }
    }

    private static void check(Message message, FieldDescriptor field, Rule rule, String path,
            List<FieldViolation> found) {
        int count = message.getRepeatedFieldCount(field);
        switch (rule) {
            case DOUBLE_GTE_0_FINITE -> {
                for (int i = 0; i < count; i++) {
                    double value = (Double) message.getRepeatedField(field, i);
                    // As protovalidate: NaN and -inf break both rules, +inf only finite.
                    if (!(value >= 0)) {
                        found.add(violation(path, i, "DOUBLE_GTE", GTE_0));
                    }
                    if (!Double.isFinite(value)) {
                        found.add(violation(path, i, "DOUBLE_FINITE", "value must be finite"));
                    }
                }
            }
            case INT64_GTE_0 -> {
                for (int i = 0; i < count; i++) {
                    if ((Long) message.getRepeatedField(field, i) < 0) {
                        found.add(violation(path, i, "INT64_GTE", GTE_0));
                    }
                }
            }
        }
    }

    private static FieldViolation violation(String path, int index, String reason, String description) {
        return FieldViolation.newBuilder().setField(path + "[" + index + "]").setReason(reason)
                .setDescription(description).build();
    }

    private List<FieldDescriptor> routes(Descriptor type) {
        List<FieldDescriptor> known = routes.get(type);
        if (known != null) {
            return known;
        }
        List<FieldDescriptor> fields = new ArrayList<>();
        for (FieldDescriptor field : type.getFields()) {
            if (RULES.containsKey(field)) {
                fields.add(field);
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && reaches(field.getMessageType(), new HashSet<>())) {
                if (field.isMapField()) {
                    // Map entries would need key subscripts in the path; no contract type needs them yet.
                    throw new IllegalStateException(field.getFullName() + " is a map that can hold a field with"
                            + " item rules checked by " + ListItemRules.class.getSimpleName());
                }
                fields.add(field);
            }
        }
        List<FieldDescriptor> out = List.copyOf(fields);
        routes.put(type, out);
        return out;
    }

    private static boolean reaches(Descriptor type, Set<Descriptor> seen) {
        if (!seen.add(type)) {
            return false;
        }
        for (FieldDescriptor field : type.getFields()) {
            if (RULES.containsKey(field)
                    || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && reaches(field.getMessageType(), seen)) {
                return true;
            }
        }
        return false;
    }
}
