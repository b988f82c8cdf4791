package io.optimesh.trainer.api;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.Code;
import com.google.rpc.PreconditionFailure;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.trainer.run.CheckpointEvaluator;
import io.optimesh.trainer.run.InvalidRequestException;
import io.optimesh.trainer.run.RunException;
import io.optimesh.trainer.run.RunManager;
import io.optimesh.trainer.run.RunPage;
import io.optimesh.v1.CreateRunRequest;
import io.optimesh.v1.CreateRunResponse;
import io.optimesh.v1.EvaluateCheckpointRequest;
import io.optimesh.v1.EvaluateCheckpointResponse;
import io.optimesh.v1.GetRunRequest;
import io.optimesh.v1.GetRunResponse;
import io.optimesh.v1.ListRunsRequest;
import io.optimesh.v1.ListRunsResponse;
import io.optimesh.v1.ResumeRunRequest;
import io.optimesh.v1.ResumeRunResponse;
import io.optimesh.v1.StopRunRequest;
import io.optimesh.v1.StopRunResponse;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.WatchRunRequest;
import io.optimesh.v1.WatchRunResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import java.util.List;
import java.util.function.Supplier;

/**
 * optimesh.v1.TrainerService: translates requests to the {@link RunManager} and the
 * {@link CheckpointEvaluator}, and their refusals to gRPC errors. Requests arrive checked against
 * the .proto constraints by core's interceptor.
 */
@GrpcService
@Blocking
public class TrainerGrpcService extends TrainerServiceGrpc.TrainerServiceImplBase {

    // ErrorInfo reason of field problems found beyond the declared constraints.
    static final String INVALID_RUN_SPEC = "INVALID_RUN_SPEC";
    static final String INVALID_CHECKPOINT_REQUEST = "INVALID_CHECKPOINT_REQUEST";
    static final String INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN";

    private final RunManager runs;
    private final CheckpointEvaluator evaluator;

    public TrainerGrpcService(RunManager runs, CheckpointEvaluator evaluator) {
        this.runs = runs;
        this.evaluator = evaluator;
    }

    @Override
    public void createRun(CreateRunRequest request, StreamObserver<CreateRunResponse> responses) {
        answer(responses, INVALID_RUN_SPEC, () -> CreateRunResponse.newBuilder()
                .setRun(runs.create(request.getRequestId(), request.getRunId(), request.getSpec()))
                .build());
    }

    @Override
    public void getRun(GetRunRequest request, StreamObserver<GetRunResponse> responses) {
        answer(responses, GrpcErrors.INVALID_ARGUMENT,
                () -> GetRunResponse.newBuilder().setRun(runs.get(request.getName())).build());
    }

    @Override
    public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> responses) {
        RunPage page;
        try {
            page = runs.list(request.getPageSize(), request.getPageToken());
        } catch (IllegalArgumentException e) {
            responses.onError(GrpcErrors.invalidArgument(INVALID_PAGE_TOKEN, List.of(
                    FieldViolation.newBuilder().setField("page_token").setDescription(e.getMessage()).build())));
            return;
        }
        responses.onNext(ListRunsResponse.newBuilder()
                .addAllRuns(page.runs())
                .setNextPageToken(page.nextPageToken())
                .build());
        responses.onCompleted();
    }

    @Override
    public void stopRun(StopRunRequest request, StreamObserver<StopRunResponse> responses) {
        answer(responses, GrpcErrors.INVALID_ARGUMENT,
                () -> StopRunResponse.newBuilder().setRun(runs.stop(request.getName())).build());
    }

    @Override
    public void resumeRun(ResumeRunRequest request, StreamObserver<ResumeRunResponse> responses) {
        answer(responses, GrpcErrors.INVALID_ARGUMENT,
                () -> ResumeRunResponse.newBuilder().setRun(runs.resume(request.getName())).build());
    }

    @Override
    public void watchRun(WatchRunRequest request, StreamObserver<WatchRunResponse> responses) {
        ServerCallStreamObserver<WatchRunResponse> stream = (ServerCallStreamObserver<WatchRunResponse>) responses;
        Runnable cancel;
        try {
            cancel = runs.watch(request.getName(), update -> {
                synchronized (stream) {
                    if (stream.isCancelled()) {
                        return;
                    }
                    stream.onNext(WatchRunResponse.newBuilder()
                            .setRun(update.run())
                            .addAllMetrics(update.metrics())
                            .build());
                    if (update.last()) {
                        stream.onCompleted();
                    }
                }
            });
        } catch (RuntimeException e) {
            responses.onError(toStatus(e, GrpcErrors.INVALID_ARGUMENT));
            return;
        }
        stream.setOnCancelHandler(cancel);
    }

    @Override
    public void evaluateCheckpoint(EvaluateCheckpointRequest request,
            StreamObserver<EvaluateCheckpointResponse> responses) {
        answer(responses, INVALID_CHECKPOINT_REQUEST, () -> EvaluateCheckpointResponse.newBuilder()
                .setEvaluation(evaluator.evaluate(request.getCheckpoint().getUri(), request.getCheckpoint().getStep(),
                        request.hasDataset() ? request.getDataset() : null, request.getBatches(),
                        request.getBatchSize()))
                .build());
    }

    private static <T> void answer(StreamObserver<T> responses, String invalidReason, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (RuntimeException e) {
            responses.onError(toStatus(e, invalidReason));
            return;
        }
        responses.onNext(response);
        responses.onCompleted();
    }

    /** The gRPC error of a refusal; anything unexpected propagates (and becomes INTERNAL / UNKNOWN). */
    private static StatusRuntimeException toStatus(RuntimeException e, String invalidReason) {
        if (e instanceof InvalidRequestException invalid) {
            return GrpcErrors.invalidArgument(invalidReason, invalid.violations().stream()
                    .map(v -> FieldViolation.newBuilder().setField(v.field()).setDescription(v.description()).build())
                    .toList());
        }
        if (!(e instanceof RunException refused)) {
            throw e;
        }
        return switch (refused.problem()) {
            case NOT_FOUND -> GrpcErrors.notFound(refused.metadata().getOrDefault("resource", ""));
            case ALREADY_EXISTS -> GrpcErrors.alreadyExists(refused.metadata().getOrDefault("resource", ""));
            case WRONG_STATE -> GrpcErrors.failedPrecondition(refused.reason(), refused.getMessage(),
                    refused.metadata());
            case QUEUE_FULL -> GrpcErrors.error(Code.RESOURCE_EXHAUSTED, refused.reason(), refused.getMessage(),
                    refused.metadata());
            case DEVICE_UNAVAILABLE -> GrpcErrors.error(Code.FAILED_PRECONDITION, refused.reason(),
                    refused.getMessage(), refused.metadata(), PreconditionFailure.newBuilder()
                            .addViolations(PreconditionFailure.Violation.newBuilder()
                                    .setType("DEVICE")
                                    .setSubject(refused.metadata().getOrDefault("field", "device"))
                                    .setDescription(refused.getMessage()))
                            .build());
            case NOT_SUPPORTED -> GrpcErrors.error(Code.UNIMPLEMENTED, refused.reason(), refused.getMessage(),
                    refused.metadata());
            case SHUTTING_DOWN -> GrpcErrors.unavailable(refused.reason(), refused.getMessage(), refused.metadata());
        };
    }
}
