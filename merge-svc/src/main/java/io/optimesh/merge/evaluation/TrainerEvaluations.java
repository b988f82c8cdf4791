package io.optimesh.merge.evaluation;

import com.google.rpc.Code;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.merge.config.MergeConfig;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.EvaluateCheckpointRequest;
import io.optimesh.v1.Evaluation;
import io.optimesh.v1.TrainerServiceGrpc;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Held-out loss of a checkpoint from trainer-svc's EvaluateCheckpoint (the gRPC client {@code trainer}).
 * A failure comes out as the StatusRuntimeException merge-svc answers with: UNAVAILABLE when the trainer
 * cannot be reached or does not answer in time, FAILED_PRECONDITION when it refuses the checkpoint.
 */
@ApplicationScoped
public class TrainerEvaluations {

    private final TrainerServiceGrpc.TrainerServiceBlockingStub trainer;
    private final Duration timeout;

    @Inject
    public TrainerEvaluations(@GrpcClient("trainer") TrainerServiceGrpc.TrainerServiceBlockingStub trainer,
            MergeConfig config) {
        this.trainer = trainer;
        this.timeout = config.evaluationTimeout();
    }

    /** Evaluates the checkpoint at {@code uri} on {@code batches} validation batches (0: the trainer's default). */
    public Evaluation evaluate(String uri, int batches) {
        try {
            return trainer.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .evaluateCheckpoint(EvaluateCheckpointRequest.newBuilder()
                            .setCheckpoint(CheckpointRef.newBuilder().setUri(uri))
                            .setBatches(batches)
                            .build())
                    .getEvaluation();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            Map<String, String> metadata = Map.of("uri", uri, "trainer_code", code.name());
            String message = "trainer-svc could not evaluate " + uri + ": " + code
                    + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription());
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                throw GrpcErrors.unavailable("TRAINER_UNAVAILABLE", message, metadata);
            }
            throw GrpcErrors.error(Code.FAILED_PRECONDITION, "TRAINER_EVALUATION_FAILED", message, metadata);
        }
    }
}
