package io.optimesh.core.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.rpc.BadRequest.FieldViolation;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.EvaluateScheduleRequest;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.Schedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListItemRulesTest {

    private static final double[] ODD = {0.5, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0};

    private final ValidatingServerInterceptor interceptor = new ValidatingServerInterceptor();

    @Test
    void explicitLrsBreakTheRulesProtovalidateAppliesToTheSameDeclaredRule() {
        // CurvePoint.learning_rate still declares {gte: 0, finite: true}, as ExplicitFamily.lrs did.
        List<List<String>> expected = new ArrayList<>();
        List<List<String>> actual = new ArrayList<>();
        for (int i = 0; i < ODD.length; i++) {
            CurvePoint point = CurvePoint.newBuilder().setStep(1).setLoss(1).setLearningRate(ODD[i]).build();
            expected.add(described(interceptor.validate(point).map(GrpcErrors::fieldViolations).orElse(List.of())));
            actual.add(described(fieldViolations(schedule(ODD[i])).stream()
                    .filter(v -> v.getField().equals("explicit.lrs[0]")).toList()));
        }

        assertThat(actual).isEqualTo(expected);
        assertThat(actual.get(2)).containsExactly("DOUBLE_GTE: value must be greater than or equal to 0",
                "DOUBLE_FINITE: value must be finite");
        assertThat(actual.get(0)).isEmpty();
        assertThat(actual.get(5)).isEmpty();
    }

    @Test
    void stepsBreakTheRuleProtovalidateAppliesToTheSameDeclaredRule() {
        // CurvePoint.step still declares int64.gte = 0, as PredictCurveRequest.steps did.
        List<String> expected = described(GrpcErrors.fieldViolations(interceptor.validate(
                CurvePoint.newBuilder().setStep(-3).setLoss(1).build()).orElseThrow()));
        PredictCurveRequest predict = ValidationBenchmark.predict(ValidationBenchmark.explicit(100)).toBuilder()
                .clearSteps().addSteps(5).addSteps(-3).addSteps(0).addSteps(Long.MIN_VALUE).build();

        assertThat(fieldViolations(predict)).extracting(FieldViolation::getField).containsExactly("steps[1]", "steps[3]");
        assertThat(described(fieldViolations(predict).subList(0, 1))).isEqualTo(expected);
        assertThat(fieldViolations(EvaluateScheduleRequest.newBuilder().setSchedule(ValidationBenchmark.explicit(10))
                .addSteps(-1).build()))
                .extracting(FieldViolation::getField, FieldViolation::getReason)
                .containsExactly(tuple("steps[0]", "INT64_GTE"));
    }

    @Test
    void everyBadItemIsNamedWithItsFullPath() {
        FitLawRequest fit = ValidationBenchmark.fitLaw();
        LabeledCurve curve = fit.getCurves(1);
        Schedule broken = curve.getSchedule().toBuilder().setExplicit(curve.getSchedule().getExplicit().toBuilder()
                .setLrs(7, -2e-4).setLrs(23_000, Double.POSITIVE_INFINITY)).build();
        FitLawRequest bad = fit.toBuilder().setCurves(1, curve.toBuilder().setSchedule(broken)).build();
        RankSchedulesRequest rank = RankSchedulesRequest.newBuilder()
                .setLaw(ValidationBenchmark.predict(ValidationBenchmark.explicit(10)).getLaw())
                .addCandidates(ValidationBenchmark.explicit(10)).addCandidates(schedule(Double.NaN)).build();

        assertThat(fieldViolations(bad)).extracting(FieldViolation::getField, FieldViolation::getReason)
                .containsExactly(tuple("curves[1].schedule.explicit.lrs[7]", "DOUBLE_GTE"),
                        tuple("curves[1].schedule.explicit.lrs[23000]", "DOUBLE_FINITE"));
        assertThat(fieldViolations(rank)).extracting(FieldViolation::getField)
                .containsExactly("candidates[1].explicit.lrs[0]", "candidates[1].explicit.lrs[0]");
    }

    @Test
    void theDeclaredRulesStillHoldBesideTheListRules() {
        Schedule empty = Schedule.newBuilder().setTotalSteps(2).setExplicit(ExplicitFamily.newBuilder()
                .addLrs(-1).addLrs(0.1).addLrs(0.2)).build();

        assertThat(fieldViolations(empty)).extracting(FieldViolation::getField, FieldViolation::getReason)
                .containsExactly(tuple("", "SCHEDULE_EXPLICIT_LENGTH"), tuple("explicit.lrs[0]", "DOUBLE_GTE"));
        assertThat(fieldViolations(Schedule.newBuilder().setTotalSteps(1).setExplicit(ExplicitFamily.newBuilder())
                .build())).extracting(FieldViolation::getField, FieldViolation::getReason)
                .contains(tuple("explicit.lrs", "REPEATED_MIN_ITEMS"));
    }

    @Test
    void theLargestRequestsPass() {
        ValidationBenchmark.messages().forEach(m -> assertThat(interceptor.validate(m)).isEmpty());
    }

    private static Schedule schedule(double lr) {
        return Schedule.newBuilder().setTotalSteps(1).setExplicit(ExplicitFamily.newBuilder().addLrs(lr)).build();
    }

    private List<FieldViolation> fieldViolations(com.google.protobuf.Message message) {
        return interceptor.validate(message).map(GrpcErrors::fieldViolations).orElse(List.of());
    }

    private static List<String> described(List<FieldViolation> violations) {
        return violations.stream().map(v -> v.getReason() + ": " + v.getDescription()).toList();
    }
}
