package io.optimesh.core.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.optimesh.v1.ApplyUpdatesRequest;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleKnot;
import io.optimesh.v1.Tensor;
import io.optimesh.v1.Warmup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ValidatingServerInterceptorTest {

    private static final Schedule VALID = Schedule.newBuilder()
            .setTotalSteps(1000)
            .setPeakLr(3e-4)
            .setMinLr(3e-5)
            .setWarmup(Warmup.newBuilder().setSteps(100))
            .setCosine(CosineFamily.getDefaultInstance())
            .build();

    private static final MethodDescriptor<Schedule, Schedule> ECHO = MethodDescriptor.<Schedule, Schedule>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("optimesh.test.ScheduleEcho", "Echo"))
            .setRequestMarshaller(ProtoUtils.marshaller(Schedule.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(Schedule.getDefaultInstance()))
            .build();

    /** Client streaming: answers with the last schedule it received. */
    private static final MethodDescriptor<Schedule, Schedule> LAST = ECHO.toBuilder()
            .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("optimesh.test.ScheduleEcho", "Last"))
            .build();

    private final ValidatingServerInterceptor interceptor = new ValidatingServerInterceptor();
    private final AtomicInteger handled = new AtomicInteger();
    private final List<Schedule> streamed = new ArrayList<>();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void startServer() throws Exception {
        String name = InProcessServerBuilder.generateName();
        ServerServiceDefinition service = ServerServiceDefinition.builder("optimesh.test.ScheduleEcho")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    handled.incrementAndGet();
                    response.onNext(request);
                    response.onCompleted();
                }))
                .addMethod(LAST, ServerCalls.asyncClientStreamingCall(response -> new StreamObserver<Schedule>() {
                    @Override
                    public void onNext(Schedule value) {
                        streamed.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        handled.incrementAndGet();
                        response.onNext(streamed.get(streamed.size() - 1));
                        response.onCompleted();
                    }
                }))
                .build();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, interceptor))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aValidRequestPasses() {
        assertThat(interceptor.validate(VALID)).isEmpty();
        assertThat(ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, VALID)).isEqualTo(VALID);
        assertThat(handled).hasValue(1);
    }

    @Test
    void everyBrokenRuleBecomesAFieldViolation() {
        Schedule bad = VALID.toBuilder().setTotalSteps(0).setMinLr(0.01).build();

        StatusRuntimeException error = interceptor.validate(bad).orElseThrow();

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorInfo(error)).contains(ErrorInfo.newBuilder()
                .setReason("INVALID_ARGUMENT").setDomain("optimesh.io").build());
        assertThat(GrpcErrors.fieldViolations(error))
                .extracting(FieldViolation::getField, FieldViolation::getReason, FieldViolation::getDescription)
                .containsExactlyInAnyOrder(
                        tuple("total_steps", "INT64_GT_LTE", "value must be greater than 0 and less than or equal to 1000000000"),
                        tuple("", "SCHEDULE_WARMUP_WITHIN_TOTAL", "warmup.steps must be smaller than total_steps"),
                        tuple("", "SCHEDULE_MIN_LR_NOT_ABOVE_PEAK", "min_lr must not exceed peak_lr"));
        assertThat(error.getStatus().getDescription()).startsWith("invalid request: ").contains("; total_steps: value must be greater than 0 and less than or equal to 1000000000");
    }

    @Test
    void nestedAndRepeatedFieldsGetFullPaths() {
        Schedule knots = VALID.toBuilder().clearWarmup().setPiecewiseLinear(PiecewiseLinearFamily.newBuilder()
                .addKnots(ScheduleKnot.newBuilder().setStep(0).setLr(0.1))
                .addKnots(ScheduleKnot.newBuilder().setStep(500).setLr(-1))).build();
        Schedule explicit = VALID.toBuilder().clearWarmup().setTotalSteps(3)
                .setExplicit(ExplicitFamily.newBuilder().addLrs(0.1).addLrs(0.2).addLrs(Double.POSITIVE_INFINITY)).build();
        Schedule warmup = VALID.toBuilder().setWarmup(Warmup.newBuilder().setSteps(-1)).setConstant(ConstantFamily.getDefaultInstance()).build();
        Schedule noFamily = VALID.toBuilder().clearFamily().build();

        assertThat(fieldsOf(knots)).containsExactly("piecewise_linear.knots[1].lr");
        assertThat(fieldsOf(explicit)).containsExactly("explicit.lrs[2]");
        assertThat(GrpcErrors.fieldViolations(interceptor.validate(explicit).orElseThrow()))
                .extracting(FieldViolation::getReason).containsExactly("DOUBLE_FINITE");
        assertThat(fieldsOf(warmup)).containsExactly("warmup.steps");
        assertThat(fieldsOf(noFamily)).containsExactly("family");
    }

    @Test
    void streamedGradientsAreLeftToTheServiceButTheRestOfTheirMessageIsNot() {
        // optimizer-svc checks each gradient against its parameter (name, F32, shape, size).
        Tensor unchecked = Tensor.getDefaultInstance();
        ApplyUpdatesRequest valid = ApplyUpdatesRequest.newBuilder().setState("optimizerStates/a").setStep(1)
                .setLearningRate(1e-3).addGradients(unchecked).build();
        ApplyUpdatesRequest bad = valid.toBuilder().setState("runs/a").setLearningRate(-1).build();

        assertThat(interceptor.validate(valid)).isEmpty();
        assertThat(GrpcErrors.fieldViolations(interceptor.validate(bad).orElseThrow()))
                .extracting(FieldViolation::getField).containsExactlyInAnyOrder("state", "learning_rate");
    }

    @Test
    void anInvalidUnaryRequestNeverReachesTheService() {
        Schedule bad = VALID.toBuilder().setTotalSteps(-5).build();

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, bad))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(GrpcErrors.errorInfo(e)).map(ErrorInfo::getReason).contains("INVALID_ARGUMENT");
                    assertThat(GrpcErrors.fieldViolations(e)).extracting(FieldViolation::getField)
                            .contains("total_steps");
                });
        assertThat(handled).hasValue(0);
    }

    @Test
    void aStreamStopsAtItsFirstInvalidMessage() throws Exception {
        Schedule bad = VALID.toBuilder().setPeakLr(101).build();
        StreamRecorder response = new StreamRecorder();

        StreamObserver<Schedule> requests = ClientCalls.asyncClientStreamingCall(channel.newCall(LAST, CallOptions.DEFAULT), response);
        requests.onNext(VALID);
        requests.onNext(bad);
        requests.onNext(VALID);
        requests.onCompleted();

        assertThat(response.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Status.fromThrowable(response.error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.fieldViolations(response.error)).extracting(FieldViolation::getField, FieldViolation::getReason)
                .containsExactly(tuple("peak_lr", "DOUBLE_GTE_LTE"));
        assertThat(streamed).containsExactly(VALID);
        assertThat(handled).hasValue(0);
    }

    private List<String> fieldsOf(Schedule schedule) {
        return GrpcErrors.fieldViolations(interceptor.validate(schedule).orElseThrow()).stream()
                .map(FieldViolation::getField)
                .toList();
    }

    private static final class StreamRecorder implements StreamObserver<Schedule> {
        final CountDownLatch done = new CountDownLatch(1);
        volatile Throwable error;

        @Override
        public void onNext(Schedule value) {
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }
    }
}
