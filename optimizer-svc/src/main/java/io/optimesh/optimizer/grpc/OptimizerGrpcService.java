package io.optimesh.optimizer.grpc;

import com.google.rpc.BadRequest.FieldViolation;

import io.grpc.stub.StreamObserver;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.schedule.ScheduleViolation;
import io.optimesh.core.optim.Algorithm;
import io.optimesh.core.optim.AlgorithmCatalog;
import io.optimesh.core.optim.Hyperparameter;
import io.optimesh.optimizer.config.OptimizerConfig;
import io.optimesh.optimizer.schedule.ScheduleLibrary;
import io.optimesh.optimizer.state.HeldState;
import io.optimesh.optimizer.state.StateException;
import io.optimesh.optimizer.state.StateStore;
import io.optimesh.v1.AlgorithmDescriptor;
import io.optimesh.v1.ApplyUpdatesRequest;
import io.optimesh.v1.ApplyUpdatesResponse;
import io.optimesh.v1.CreateOptimizerStateRequest;
import io.optimesh.v1.CreateOptimizerStateResponse;
import io.optimesh.v1.DeleteOptimizerSnapshotRequest;
import io.optimesh.v1.DeleteOptimizerSnapshotResponse;
import io.optimesh.v1.DeleteOptimizerStateRequest;
import io.optimesh.v1.DeleteOptimizerStateResponse;
import io.optimesh.v1.EvaluateScheduleRequest;
import io.optimesh.v1.EvaluateScheduleResponse;
import io.optimesh.v1.GetOptimizerStateRequest;
import io.optimesh.v1.GetOptimizerStateResponse;
import io.optimesh.v1.HyperparameterDescriptor;
import io.optimesh.v1.ListAlgorithmsRequest;
import io.optimesh.v1.ListAlgorithmsResponse;
import io.optimesh.v1.ListOptimizerStatesRequest;
import io.optimesh.v1.ListOptimizerStatesResponse;
import io.optimesh.v1.OptimizerServiceGrpc;
import io.optimesh.v1.ParameterScale;
import io.optimesh.v1.RestoreOptimizerStateRequest;
import io.optimesh.v1.RestoreOptimizerStateResponse;
import io.optimesh.v1.ScheduleSummary;
import io.optimesh.v1.SnapshotOptimizerStateRequest;
import io.optimesh.v1.SnapshotOptimizerStateResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;

import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * optimesh.v1.OptimizerService: translates to and from the algorithm catalog, the schedule library
 * and the optimizer state store.
 */
@GrpcService
public class OptimizerGrpcService extends OptimizerServiceGrpc.OptimizerServiceImplBase {

    // ErrorInfo reasons of the errors this service raises itself (the interceptor adds
    // INVALID_ARGUMENT).
    static final String INVALID_SCHEDULE = "INVALID_SCHEDULE";
    static final String INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN";

    static final int DEFAULT_PAGE_SIZE = 50;

    // With no explicit limit, states may take this share of the heap; the rest is for requests in
    // flight (a step holds its gradients and the encoded response besides the state).
    static final double HEAP_SHARE_FOR_STATE = 0.6;

    private final ScheduleLibrary schedules;
    private final StateStore states;
    // Runs ApplyUpdates calls off the event loop, each call's events in order (ApplyUpdatesCall).
    private final Executor steps = Executors.newCachedThreadPool(daemon -> {
        Thread thread = new Thread(daemon, "optimizer-steps");
        thread.setDaemon(true);
        return thread;
    });

    @Inject
    public OptimizerGrpcService(OptimizerConfig config) {
        this(
                new ScheduleLibrary(
                        config.schedule().maxReturnedSteps(), config.schedule().maxTotalSteps()),
                new StateStore(
                        config.state().maxBytes() > 0
                                ? config.state().maxBytes()
                                : (long) (Runtime.getRuntime().maxMemory() * HEAP_SHARE_FOR_STATE),
                        Path.of(config.state().snapshotDirectory()),
                        config.state().updateThreads()));
    }

    /** The service over a given schedule library and state store (benchmarks, several replicas in one JVM). */
    public OptimizerGrpcService(ScheduleLibrary schedules, StateStore states) {
        this.schedules = schedules;
        this.states = states;
    }

    @Override
    public void listAlgorithms(
            ListAlgorithmsRequest request, StreamObserver<ListAlgorithmsResponse> responses) {
        List<Algorithm> all = AlgorithmCatalog.all();
        int offset;
        try {
            offset = PageTokens.offset(request.getPageToken(), all.size());
        } catch (IllegalArgumentException e) {
            responses.onError(
                    GrpcErrors.invalidArgument(
                            INVALID_PAGE_TOKEN,
                            List.of(fieldViolation("page_token", e.getMessage()))));
            return;
        }
        int pageSize = request.getPageSize() > 0 ? request.getPageSize() : DEFAULT_PAGE_SIZE;
        int end = Math.min(all.size(), offset + pageSize);
        ListAlgorithmsResponse.Builder response = ListAlgorithmsResponse.newBuilder();
        for (Algorithm algorithm : all.subList(offset, end)) {
            response.addAlgorithms(descriptor(algorithm));
        }
        responses.onNext(response.setNextPageToken(PageTokens.next(end, all.size())).build());
        responses.onCompleted();
    }

    @Override
    @Blocking
    public void evaluateSchedule(
            EvaluateScheduleRequest request, StreamObserver<EvaluateScheduleResponse> responses) {
        long[] steps = new long[request.getStepsCount()];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = request.getSteps(i);
        }
        List<ScheduleViolation> violations = schedules.check(request.getSchedule(), steps);
        if (!violations.isEmpty()) {
            responses.onError(
                    GrpcErrors.invalidArgument(
                            INVALID_SCHEDULE,
                            violations.stream()
                                    .map(v -> fieldViolation(v.field(), v.description()))
                                    .toList()));
            return;
        }
        ScheduleLibrary.Evaluation evaluation = schedules.evaluate(request.getSchedule(), steps);
        EvaluateScheduleResponse.Builder response = EvaluateScheduleResponse.newBuilder();
        for (long step : evaluation.steps()) {
            response.addSteps(step);
        }
        for (double lr : evaluation.learningRates()) {
            response.addLearningRates(lr);
        }
        io.optimesh.core.schedule.ScheduleSummary summary = evaluation.summary();
        response.setSummary(
                ScheduleSummary.newBuilder()
                        .setPeakLearningRate(summary.peak())
                        .setFinalLearningRate(summary.finalLr())
                        .setArea(summary.area())
                        .setWarmupArea(summary.warmupArea())
                        .setAnnealingArea(summary.annealingArea())
                        .setStepsAtPeak(summary.stepsAtPeak())
                        .setTotalSteps(summary.totalSteps()));
        responses.onNext(response.build());
        responses.onCompleted();
    }

    @Override
    @Blocking
    public void createOptimizerState(
            CreateOptimizerStateRequest request,
            StreamObserver<CreateOptimizerStateResponse> responses) {
        answer(responses, () -> CreateOptimizerStateResponse.newBuilder()
                .setState(states.create(request).describe())
                .build());
    }

    @Override
    public void getOptimizerState(
            GetOptimizerStateRequest request, StreamObserver<GetOptimizerStateResponse> responses) {
        answer(responses, () -> GetOptimizerStateResponse.newBuilder()
                .setState(states.get(request.getName()).describe())
                .build());
    }

    @Override
    public void listOptimizerStates(
            ListOptimizerStatesRequest request,
            StreamObserver<ListOptimizerStatesResponse> responses) {
        answer(responses, () -> {
            StateStore.Page page = states.list(
                    request.getPageSize() > 0 ? request.getPageSize() : DEFAULT_PAGE_SIZE,
                    request.getPageToken());
            ListOptimizerStatesResponse.Builder response = ListOptimizerStatesResponse.newBuilder();
            for (HeldState state : page.states()) {
                response.addStates(state.describe());
            }
            return response.setNextPageToken(page.nextPageToken()).build();
        });
    }

    @Override
    public void deleteOptimizerState(
            DeleteOptimizerStateRequest request,
            StreamObserver<DeleteOptimizerStateResponse> responses) {
        answer(responses, () -> {
            states.delete(request.getName());
            return DeleteOptimizerStateResponse.getDefaultInstance();
        });
    }

    @Override
    @Blocking
    public void snapshotOptimizerState(
            SnapshotOptimizerStateRequest request,
            StreamObserver<SnapshotOptimizerStateResponse> responses) {
        answer(responses, () -> SnapshotOptimizerStateResponse.newBuilder()
                .setSnapshot(states.snapshot(request.getName(), request.getUri()))
                .build());
    }

    @Override
    @Blocking
    public void deleteOptimizerSnapshot(
            DeleteOptimizerSnapshotRequest request,
            StreamObserver<DeleteOptimizerSnapshotResponse> responses) {
        answer(responses, () -> DeleteOptimizerSnapshotResponse.newBuilder()
                .setDeleted(states.deleteSnapshot(request.getSnapshotUri()))
                .build());
    }

    @Override
    @Blocking
    public void restoreOptimizerState(
            RestoreOptimizerStateRequest request,
            StreamObserver<RestoreOptimizerStateResponse> responses) {
        answer(responses, () -> RestoreOptimizerStateResponse.newBuilder()
                .setState(states.restore(request.getSnapshotUri(), request.getStateId(),
                        request.getRequestId()).describe())
                .build());
    }

    @Override
    public StreamObserver<ApplyUpdatesRequest> applyUpdates(
            StreamObserver<ApplyUpdatesResponse> responses) {
        return new ApplyUpdatesCall(states, responses, steps);
    }

    private static <T> void answer(StreamObserver<T> responses, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (StateException e) {
            responses.onError(StateErrors.status(e));
            return;
        }
        responses.onNext(response);
        responses.onCompleted();
    }

    private static FieldViolation fieldViolation(String field, String description) {
        return FieldViolation.newBuilder().setField(field).setDescription(description).build();
    }

    private static AlgorithmDescriptor descriptor(Algorithm algorithm) {
        AlgorithmDescriptor.Builder descriptor =
                AlgorithmDescriptor.newBuilder()
                        .setName(algorithm.name())
                        .setDisplayName(algorithm.displayName())
                        .setDescription(algorithm.description())
                        .setDecoupledWeightDecay(algorithm.decoupledWeightDecay())
                        .setStateFloatsPerParameter(algorithm.stateFloatsPerParameter())
                        .setReference(algorithm.reference());
        for (Hyperparameter h : algorithm.hyperparameters()) {
            descriptor.addHyperparameters(
                    HyperparameterDescriptor.newBuilder()
                            .setName(h.name())
                            .setDescription(h.description())
                            .setDefaultValue(h.defaultValue())
                            .setMinValue(h.min())
                            .setMaxValue(h.max())
                            .setScale(
                                    h.logScale()
                                            ? ParameterScale.PARAMETER_SCALE_LOG
                                            : ParameterScale.PARAMETER_SCALE_LINEAR));
        }
        return descriptor.build();
    }
}
