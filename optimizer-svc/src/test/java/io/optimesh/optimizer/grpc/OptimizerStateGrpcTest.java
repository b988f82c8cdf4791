package io.optimesh.optimizer.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.optim.Adam;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.core.optim.remote.FloatTensors;
import io.optimesh.core.optim.remote.RemoteOptimizer;
import io.optimesh.core.testing.TestChannels;
import io.optimesh.v1.ApplyUpdatesRequest;
import io.optimesh.v1.ApplyUpdatesResponse;
import io.optimesh.v1.CreateOptimizerStateRequest;
import io.optimesh.v1.DeleteOptimizerStateRequest;
import io.optimesh.v1.GetOptimizerStateRequest;
import io.optimesh.v1.ListOptimizerStatesRequest;
import io.optimesh.v1.ListOptimizerStatesResponse;
import io.optimesh.v1.OptimizerServiceGrpc;
import io.optimesh.v1.OptimizerServiceGrpc.OptimizerServiceBlockingStub;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.OptimizerState;
import io.optimesh.v1.ParameterGroup;
import io.optimesh.v1.ParameterSpec;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The optimizer-state RPCs over a real gRPC channel (the test profile's limit is 64 MiB). */
@QuarkusTest
class OptimizerStateGrpcTest {

    private static final OptimizerSpec ADAMW = OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.01).build();

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private OptimizerServiceBlockingStub optimizer;

    @BeforeEach
    void connect() {
        channel = TestChannels.open(root);
        optimizer = OptimizerServiceGrpc.newBlockingStub(channel)
                .withMaxInboundMessageSize(64 << 20).withMaxOutboundMessageSize(64 << 20);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    private static float[] ramp(int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = ((i * 7919) % 1000 - 500) * scale;
        }
        return values;
    }

    private static ParameterSpec parameter(String name, int[] shape, float[] values) {
        ParameterSpec.Builder p = ParameterSpec.newBuilder().setName(name)
                .setGroup(ParameterGroup.PARAMETER_GROUP_DECAY)
                .setInitialValue(FloatTensors.encode(name, shape, values));
        for (int d : shape) {
            p.addShape(d);
        }
        return p.build();
    }

    @Test
    void lifecycleThroughTheClient() {
        // 1.2M values: a tensor over gRPC's default 4 MiB message limit each way.
        int big = 1_200_000;
        List<RemoteOptimizer.Parameter> model = List.of(
                new RemoteOptimizer.Parameter("embed", new int[] {1200, 1000}, false, ramp(big, 1e-4f)),
                new RemoteOptimizer.Parameter("w", new int[] {2, 3}, true, ramp(6, 1e-3f)));
        RemoteOptimizer remote = RemoteOptimizer.create(List.of(channel), "lifecycle", ADAMW, model);
        assertThat(remote.stateNames()).containsExactly("optimizerStates/lifecycle");

        OptimizerState created = optimizer.getOptimizerState(
                GetOptimizerStateRequest.newBuilder().setName("optimizerStates/lifecycle").build()).getState();
        assertThat(created.getParameterCount()).isEqualTo(big + 6);
        assertThat(created.getTensorCount()).isEqualTo(2);
        // Parameters and AdamW's two moments, in fp32.
        assertThat(created.getMemoryBytes()).isEqualTo(3L * 4 * (big + 6));
        assertThat(created.getOptimizer()).isEqualTo(ADAMW);

        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, float[]> expected = new LinkedHashMap<>();
        Map<String, float[][]> states = new LinkedHashMap<>();
        for (RemoteOptimizer.Parameter p : model) {
            values.put(p.name(), p.initialValues().clone());
            expected.put(p.name(), p.initialValues().clone());
            states.put(p.name(), Adam.adamW().newState(p.shape()));
        }
        UpdateRule rule = Adam.adamW().configure(Map.of());
        for (int step = 1; step <= 2; step++) {
            Map<String, float[]> gradients = Map.of("embed", ramp(big, 1e-5f * step), "w", ramp(6, 1e-2f * step));
            assertThat(remote.step(1e-3, gradients, values)).isPositive();
            for (RemoteOptimizer.Parameter p : model) {
                rule.apply(expected.get(p.name()), gradients.get(p.name()), p.shape(), states.get(p.name()), step, 1e-3,
                        p.decay() ? 0.01 : 0);
                // Arrays.mismatch: AssertJ's diff of two 1.2M-element arrays would take minutes.
                assertThat(java.util.Arrays.mismatch(values.get(p.name()), expected.get(p.name())))
                        .as("first differing element of %s at step %d", p.name(), step).isEqualTo(-1);
            }
        }
        assertThat(optimizer.getOptimizerState(GetOptimizerStateRequest.newBuilder()
                .setName("optimizerStates/lifecycle").build()).getState().getStep()).isEqualTo(2);

        List<String> snapshot = remote.snapshot();
        assertThat(snapshot.get(0)).startsWith("file:/").endsWith("/lifecycle/step-000000002.safetensors");
        RemoteOptimizer restored = RemoteOptimizer.restore(List.of(channel), snapshot, "lifecycle-restored");
        assertThat(restored.step()).isEqualTo(2);

        ListOptimizerStatesResponse first = optimizer.listOptimizerStates(
                ListOptimizerStatesRequest.newBuilder().setPageSize(1).build());
        assertThat(first.getStatesList()).extracting(OptimizerState::getName).containsExactly("optimizerStates/lifecycle");
        ListOptimizerStatesResponse second = optimizer.listOptimizerStates(ListOptimizerStatesRequest.newBuilder()
                .setPageSize(1).setPageToken(first.getNextPageToken()).build());
        assertThat(second.getStatesList()).extracting(OptimizerState::getName)
                .containsExactly("optimizerStates/lifecycle-restored");
        assertThat(second.getNextPageToken()).isEmpty();

        remote.delete();
        restored.delete();
        StatusRuntimeException gone = catchThrowableOfType(StatusRuntimeException.class, () -> optimizer.getOptimizerState(
                GetOptimizerStateRequest.newBuilder().setName("optimizerStates/lifecycle").build()));
        assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(optimizer.listOptimizerStates(ListOptimizerStatesRequest.getDefaultInstance()).getStatesList()).isEmpty();
    }

    @Test
    void contractViolationsAreRefusedByTheInterceptor() {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> optimizer.createOptimizerState(
                CreateOptimizerStateRequest.newBuilder().setStateId("Bad_Id").setShardCount(2).setShardIndex(2)
                        .addParameters(ParameterSpec.newBuilder().setName("w").addShape(0)).build()));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(error).getReason()).isEqualTo("INVALID_ARGUMENT");
        assertThat(fields(error)).contains("state_id", "optimizer", "parameters[0].shape[0]", "parameters[0].initial_value");
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getDescription)
                .anyMatch(d -> d.contains("shard_index must be below shard_count"));
    }

    @Test
    void domainViolationsNameTheirFields() {
        CreateOptimizerStateRequest request = CreateOptimizerStateRequest.newBuilder()
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamz"))
                .addParameters(parameter("w", new int[] {2, 3}, new float[6]).toBuilder().setShape(1, 2))
                .build();
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> optimizer.createOptimizerState(request));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(error).getReason()).isEqualTo("INVALID_OPTIMIZER_STATE_REQUEST");
        assertThat(errorInfo(error).getDomain()).isEqualTo("optimesh.io");
        assertThat(fields(error)).containsExactly("optimizer.algorithm", "parameters[0].initial_value.shape");
    }

    @Test
    void badStepsAreRefusedAndLeaveTheStateAsItWas() throws Exception {
        optimizer.createOptimizerState(CreateOptimizerStateRequest.newBuilder().setStateId("steps")
                .setOptimizer(ADAMW).addParameters(parameter("w", new int[] {2, 3}, ramp(6, 1e-3f))).build());
        try {
            Throwable shape = applyExpectingError(ApplyUpdatesRequest.newBuilder().setState("optimizerStates/steps")
                    .setStep(1).setLearningRate(1e-3).setEndOfStep(true)
                    .addGradients(FloatTensors.encode("w", new int[] {3, 2}, new float[6])).build());
            assertThat(Status.fromThrowable(shape).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(fields(shape)).containsExactly("gradients[0].shape");

            Throwable order = applyExpectingError(ApplyUpdatesRequest.newBuilder().setState("optimizerStates/steps")
                    .setStep(2).setLearningRate(1e-3).setEndOfStep(true)
                    .addGradients(FloatTensors.encode("w", new int[] {2, 3}, new float[6])).build());
            assertThat(Status.fromThrowable(order).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(errorInfo(order).getReason()).isEqualTo("STEP_OUT_OF_ORDER");
            assertThat(errorInfo(order).getMetadataMap()).containsEntry("expected_step", "1");

            assertThat(optimizer.getOptimizerState(GetOptimizerStateRequest.newBuilder()
                    .setName("optimizerStates/steps").build()).getState().getStep()).isZero();
        } finally {
            optimizer.deleteOptimizerState(DeleteOptimizerStateRequest.newBuilder().setName("optimizerStates/steps").build());
        }
    }

    @Test
    void aStateOverTheMemoryLimitIsRefusedUpFront() {
        // 3M AdamW parameters take 36 MiB: the second such state would pass the 64 MiB limit.
        int n = 3 << 20;
        CreateOptimizerStateRequest request = CreateOptimizerStateRequest.newBuilder().setStateId("big")
                .setOptimizer(ADAMW).addParameters(parameter("e", new int[] {n}, new float[n])).build();
        optimizer.createOptimizerState(request);
        try {
            StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                    () -> optimizer.createOptimizerState(request.toBuilder().setStateId("bigger").build()));
            assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(errorInfo(error).getReason()).isEqualTo("OPTIMIZER_STATE_MEMORY_LIMIT");
            assertThat(errorInfo(error).getMetadataMap())
                    .containsEntry("requested_bytes", Long.toString(12L * n))
                    .containsEntry("limit_bytes", Long.toString(64L << 20));
        } finally {
            optimizer.deleteOptimizerState(DeleteOptimizerStateRequest.newBuilder().setName("optimizerStates/big").build());
        }
    }

    private Throwable applyExpectingError(ApplyUpdatesRequest request) throws Exception {
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        StreamObserver<ApplyUpdatesRequest> requests = OptimizerServiceGrpc.newStub(channel).applyUpdates(new StreamObserver<>() {
            @Override
            public void onNext(ApplyUpdatesResponse response) {
                error.completeExceptionally(new AssertionError("no update expected"));
            }

            @Override
            public void onError(Throwable t) {
                error.complete(t);
            }

            @Override
            public void onCompleted() {
                error.completeExceptionally(new AssertionError("an error was expected"));
            }
        });
        requests.onNext(request);
        requests.onCompleted();
        return error.get(10, TimeUnit.SECONDS);
    }

    private static ErrorInfo errorInfo(Throwable error) {
        return GrpcErrors.errorInfo(error).orElseThrow();
    }

    private static List<String> fields(Throwable error) {
        return GrpcErrors.fieldViolations(error).stream().map(FieldViolation::getField).toList();
    }
}
