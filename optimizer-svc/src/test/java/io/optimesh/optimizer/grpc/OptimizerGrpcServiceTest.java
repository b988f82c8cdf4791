package io.optimesh.optimizer.grpc;

import io.optimesh.core.testing.TestChannels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.v1.AlgorithmDescriptor;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.DecayShape;
import io.optimesh.v1.EvaluateScheduleRequest;
import io.optimesh.v1.EvaluateScheduleResponse;
import io.optimesh.v1.HyperparameterDescriptor;
import io.optimesh.v1.ListAlgorithmsRequest;
import io.optimesh.v1.ListAlgorithmsResponse;
import io.optimesh.v1.OptimizerServiceGrpc;
import io.optimesh.v1.OptimizerServiceGrpc.OptimizerServiceBlockingStub;
import io.optimesh.v1.ParameterScale;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleKnot;
import io.optimesh.v1.ScheduleSummary;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupStableDecayFamily;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;

@QuarkusTest
class OptimizerGrpcServiceTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private OptimizerServiceBlockingStub optimizer;

    @BeforeEach
    void connect() {
        channel = TestChannels.open(root);
        optimizer = OptimizerServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    /** T = 10, W = 2, P = 1e-3, F = 1e-4, 1-sqrt decay over the last 4 steps. */
    private static Schedule wsd() {
        return Schedule.newBuilder()
                .setTotalSteps(10)
                .setPeakLr(1e-3)
                .setMinLr(1e-4)
                .setWarmup(Warmup.newBuilder().setSteps(2))
                .setWsd(
                        WarmupStableDecayFamily.newBuilder()
                                .setDecayFraction(0.4)
                                .setDecayShape(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT))
                .build();
    }

    @Test
    void evaluatesEveryStepWithASummary() {
        EvaluateScheduleResponse response =
                optimizer.evaluateSchedule(
                        EvaluateScheduleRequest.newBuilder().setSchedule(wsd()).build());
        assertThat(response.getStepsList()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        List<Double> lrs = response.getLearningRatesList();
        assertThat(lrs).hasSize(10);
        assertThat(lrs.get(0)).isZero();
        assertThat(lrs.get(1)).isCloseTo(5e-4, within(1e-18));
        assertThat(lrs.subList(2, 7)).containsOnly(1e-3);
        // P - (P-F) sqrt(f), f = 1/4, 1/2, 3/4
        assertThat(lrs.get(7)).isCloseTo(1e-3 - 9e-4 * 0.5, within(1e-18));
        assertThat(lrs.get(8)).isCloseTo(1e-3 - 9e-4 * Math.sqrt(0.5), within(1e-18));
        assertThat(lrs.get(9)).isCloseTo(1e-3 - 9e-4 * Math.sqrt(0.75), within(1e-18));
        ScheduleSummary summary = response.getSummary();
        assertThat(summary.getPeakLearningRate()).isEqualTo(1e-3);
        assertThat(summary.getFinalLearningRate()).isEqualTo(lrs.get(9));
        assertThat(summary.getStepsAtPeak()).isEqualTo(5);
        assertThat(summary.getTotalSteps()).isEqualTo(10);
        assertThat(summary.getWarmupArea()).isCloseTo(5e-4, within(1e-18));
        assertThat(summary.getArea())
                .isCloseTo(lrs.stream().mapToDouble(Double::doubleValue).sum(), within(1e-17));
        assertThat(summary.getAnnealingArea())
                .isCloseTo(9e-4 * (0.5 + Math.sqrt(0.5) + Math.sqrt(0.75)), within(1e-17));
    }

    @Test
    void evaluatesTheListedStepsOfALongSchedule() {
        // The Multi-Power Law cosine run: warmup to 3e-4 over 2160 steps, 3e-5 at step 24000.
        Schedule cosine =
                Schedule.newBuilder()
                        .setTotalSteps(24000)
                        .setPeakLr(3e-4)
                        .setMinLr(3e-5)
                        .setWarmup(Warmup.newBuilder().setSteps(2160))
                        .setCosine(CosineFamily.getDefaultInstance())
                        .build();
        EvaluateScheduleResponse response =
                optimizer.evaluateSchedule(
                        EvaluateScheduleRequest.newBuilder()
                                .setSchedule(cosine)
                                .addSteps(23920)
                                .addSteps(0)
                                .addSteps(2160)
                                .build());
        assertThat(response.getStepsList()).containsExactly(23920L, 0L, 2160L);
        assertThat(response.getLearningRates(0)).isCloseTo(3.000893868085248e-05, within(1e-18));
        assertThat(response.getLearningRates(1)).isZero();
        assertThat(response.getLearningRates(2)).isEqualTo(3e-4);
        assertThat(response.getSummary().getArea()).isCloseTo(3.927585, within(1e-12));
        assertThat(response.getSummary().getTotalSteps()).isEqualTo(24000);
    }

    @Test
    void knotsOutOfOrderAreRefusedWithFieldViolations() {
        Schedule unordered =
                Schedule.newBuilder()
                        .setTotalSteps(100)
                        .setPiecewiseLinear(
                                PiecewiseLinearFamily.newBuilder()
                                        .addKnots(ScheduleKnot.newBuilder().setStep(50).setLr(1e-3))
                                        .addKnots(
                                                ScheduleKnot.newBuilder().setStep(10).setLr(1e-4)))
                        .build();
        StatusRuntimeException error =
                refused(EvaluateScheduleRequest.newBuilder().setSchedule(unordered).build());
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(error).getReason()).isEqualTo("INVALID_SCHEDULE");
        assertThat(errorInfo(error).getDomain()).isEqualTo("optimesh.io");
        assertThat(violations(error))
                .singleElement()
                .satisfies(
                        v -> {
                            assertThat(v.getField())
                                    .isEqualTo("schedule.piecewise_linear.knots[1].step");
                            assertThat(v.getDescription())
                                    .isEqualTo(
                                            "knots must be in strictly increasing step order: 10"
                                                    + " follows 50");
                        });
    }

    @Test
    void declaredConstraintsAreCheckedBeforeTheServiceRuns() {
        // peak_lr <= 100 is a protovalidate rule: core's interceptor refuses it, with its own
        // reason.
        Schedule tooHot = wsd().toBuilder().setPeakLr(200).build();
        StatusRuntimeException error =
                refused(EvaluateScheduleRequest.newBuilder().setSchedule(tooHot).build());
        assertThat(errorInfo(error).getReason()).isEqualTo("INVALID_ARGUMENT");
        assertThat(violations(error))
                .extracting(BadRequest.FieldViolation::getField)
                .containsExactly("schedule.peak_lr");
    }

    @Test
    void stepsOutsideTheScheduleAreRefused() {
        StatusRuntimeException error =
                refused(
                        EvaluateScheduleRequest.newBuilder()
                                .setSchedule(wsd())
                                .addSteps(3)
                                .addSteps(10)
                                .build());
        assertThat(violations(error))
                .extracting(BadRequest.FieldViolation::getField)
                .containsExactly("steps[1]");
    }

    @Test
    void aScheduleTooLongForOneResponseAsksForSteps() {
        Schedule longSchedule = wsd().toBuilder().setTotalSteps(1_000_000).build();
        StatusRuntimeException error =
                refused(EvaluateScheduleRequest.newBuilder().setSchedule(longSchedule).build());
        assertThat(violations(error))
                .singleElement()
                .satisfies(
                        v -> {
                            assertThat(v.getField()).isEqualTo("steps");
                            assertThat(v.getDescription()).contains("list the steps to evaluate");
                        });
        EvaluateScheduleResponse listed =
                optimizer.evaluateSchedule(
                        EvaluateScheduleRequest.newBuilder()
                                .setSchedule(longSchedule)
                                .addSteps(999_999)
                                .build());
        assertThat(listed.getSummary().getStepsAtPeak()).isEqualTo(600_000 - 2 + 1);
    }

    @Test
    void listsTheImplementedAlgorithms() {
        ListAlgorithmsResponse response =
                optimizer.listAlgorithms(ListAlgorithmsRequest.getDefaultInstance());
        assertThat(response.getAlgorithmsList())
                .extracting(AlgorithmDescriptor::getName)
                .containsExactly(
                        "sgd",
                        "momentum",
                        "adam",
                        "adamw",
                        "nesterov",
                        "adagrad",
                        "rmsprop",
                        "adamax",
                        "nadam",
                        "radam",
                        "lion",
                        "lamb",
                        "adafactor",
                        "schedule-free-adamw",
                        "muon",
                        "seed-adaptive");
        assertThat(response.getNextPageToken()).isEmpty();
        AlgorithmDescriptor adamW = response.getAlgorithms(3);
        assertThat(adamW.getDecoupledWeightDecay()).isTrue();
        assertThat(adamW.getStateFloatsPerParameter()).isEqualTo(2);
        assertThat(adamW.getReference()).contains("Loshchilov");
        assertThat(adamW.getHyperparametersList())
                .extracting(
                        HyperparameterDescriptor::getName,
                        HyperparameterDescriptor::getDefaultValue)
                .containsExactly(tuple("beta1", 0.9), tuple("beta2", 0.999), tuple("eps", 1e-8));
        HyperparameterDescriptor eps = adamW.getHyperparameters(2);
        assertThat(eps.getScale()).isEqualTo(ParameterScale.PARAMETER_SCALE_LOG);
        assertThat(eps.getMinValue()).isEqualTo(1e-12);
        assertThat(eps.getMaxValue()).isEqualTo(1e-3);
        assertThat(response.getAlgorithms(0).getHyperparametersList()).isEmpty();
        AlgorithmDescriptor muon = response.getAlgorithms(14);
        assertThat(muon.getHyperparametersList())
                .extracting(
                        HyperparameterDescriptor::getName,
                        HyperparameterDescriptor::getDefaultValue)
                .contains(tuple("momentum", 0.95), tuple("ns_steps", 5.0));
        AlgorithmDescriptor seed = response.getAlgorithms(15);
        assertThat(seed.getDecoupledWeightDecay()).isFalse();
        assertThat(seed.getHyperparametersList())
                .extracting(HyperparameterDescriptor::getName)
                .contains("max_grad_norm", "patience", "factor", "decay_gamma");
    }

    @Test
    void pagesThroughTheAlgorithms() {
        ListAlgorithmsResponse first =
                optimizer.listAlgorithms(ListAlgorithmsRequest.newBuilder().setPageSize(6).build());
        assertThat(first.getAlgorithmsList())
                .extracting(AlgorithmDescriptor::getName)
                .containsExactly("sgd", "momentum", "adam", "adamw", "nesterov", "adagrad");
        assertThat(first.getNextPageToken()).isNotEmpty();
        ListAlgorithmsResponse second =
                optimizer.listAlgorithms(
                        ListAlgorithmsRequest.newBuilder()
                                .setPageSize(6)
                                .setPageToken(first.getNextPageToken())
                                .build());
        assertThat(second.getAlgorithmsList())
                .extracting(AlgorithmDescriptor::getName)
                .containsExactly("rmsprop", "adamax", "nadam", "radam", "lion", "lamb");
        ListAlgorithmsResponse third =
                optimizer.listAlgorithms(
                        ListAlgorithmsRequest.newBuilder()
                                .setPageSize(6)
                                .setPageToken(second.getNextPageToken())
                                .build());
        assertThat(third.getAlgorithmsList())
                .extracting(AlgorithmDescriptor::getName)
                .containsExactly("adafactor", "schedule-free-adamw", "muon", "seed-adaptive");
        assertThat(third.getNextPageToken()).isEmpty();

        StatusRuntimeException error =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                optimizer.listAlgorithms(
                                        ListAlgorithmsRequest.newBuilder()
                                                .setPageToken("bogus")
                                                .build()));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(error).getReason()).isEqualTo("INVALID_PAGE_TOKEN");
        assertThat(violations(error).get(0).getField()).isEqualTo("page_token");
    }

    private StatusRuntimeException refused(EvaluateScheduleRequest request) {
        StatusRuntimeException error =
                catchThrowableOfType(
                        StatusRuntimeException.class, () -> optimizer.evaluateSchedule(request));
        assertThat(error).as("the request was answered instead of refused").isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return error;
    }

    private static ErrorInfo errorInfo(StatusRuntimeException error) {
        return GrpcErrors.errorInfo(error).orElseThrow();
    }

    private static List<BadRequest.FieldViolation> violations(StatusRuntimeException error) {
        return GrpcErrors.fieldViolations(error);
    }
}
