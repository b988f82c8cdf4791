package io.optimesh.merge.api;

import com.google.rpc.BadRequest;
import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.merge.config.MergeConfig;
import io.optimesh.merge.messaging.MergeEvents;
import io.optimesh.merge.method.CheckpointMerger;
import io.optimesh.merge.method.IncompatibleCheckpointsException;
import io.optimesh.merge.method.InvalidCheckpointException;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeCheckpointsResponse;
import io.optimesh.v1.MergeProgress;
import io.optimesh.v1.MergeResult;
import io.optimesh.v1.MergeServiceGrpc;
import io.optimesh.v1.SearchMergeWeightsRequest;
import io.optimesh.v1.SearchMergeWeightsResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * optimesh.v1.MergeService: checks a request ({@link MergeRequests}), runs it with {@link CheckpointMerger}
 * off the event loop, streams one MergeProgress per tensor then the MergeResult, and announces the merge on
 * Kafka ({@link MergeEvents}). A request id seen before returns that request's result without merging again.
 */
@GrpcService
public class MergeGrpcService extends MergeServiceGrpc.MergeServiceImplBase {

    private static final Logger LOG = Logger.getLogger(MergeGrpcService.class);

    private final MergeConfig config;
    private final MergeEvents events;
    private final MeterRegistry meters;
    private final RecentRequests<MergeCheckpointsRequest, MergeResult> recent;
    private final WeightSearches searches;

    @Inject
    MergeGrpcService(MergeConfig config, MergeEvents events, MeterRegistry meters, WeightSearches searches) {
        this.config = config;
        this.events = events;
        this.meters = meters;
        this.searches = searches;
        this.recent = new RecentRequests<>(config.rememberedRequests());
    }

    @Override
    @Blocking
    public void mergeCheckpoints(MergeCheckpointsRequest request, StreamObserver<MergeCheckpointsResponse> responses) {
        try {
            String id = request.getRequestId();
            MergeRequests.checkRequestId(id);
            if (id.isEmpty()) {
                finish(request, merge(request, responses), responses);
                return;
            }
            RecentRequests.Claim<MergeCheckpointsRequest, MergeResult> claim = recent.claim(id, request);
            if (!claim.first()) {
                responses.onNext(MergeCheckpointsResponse.newBuilder().setResult(claim.earlierAnswer(id, request, "MergeCheckpoints", "MERGE_FAILED")).build());
                responses.onCompleted();
                return;
            }
            MergeResult result;
            try {
                result = merge(request, responses);
            } catch (RuntimeException e) {
                recent.fail(id, claim, e);
                throw e;
            }
            claim.answer().complete(result);
            finish(request, result, responses);
        } catch (StatusRuntimeException e) {
            responses.onError(e);
        }
    }

    @Override
    @Blocking
    public void searchMergeWeights(SearchMergeWeightsRequest request, StreamObserver<SearchMergeWeightsResponse> responses) {
        searches.search(request, responses);
    }

    /** Merges, streaming progress; every failure comes out as the StatusRuntimeException to answer with. */
    private MergeResult merge(MergeCheckpointsRequest request, StreamObserver<MergeCheckpointsResponse> responses) {
        MergePlan plan = MergeRequests.plan(request, config.checkpointDirectory());
        Timer.Sample sample = Timer.start(meters);
        long start = System.nanoTime();
        try {
            Files.createDirectories(plan.output().getParent());
            var merged = new CheckpointMerger(config.chunkElements(), plan.maxShardBytes())
                    .merge(plan.inputs(), plan.output(), plan.method(),
                            (tensor, done, total, bytes) -> responses.onNext(MergeCheckpointsResponse.newBuilder()
                                    .setProgress(MergeProgress.newBuilder().setTensorsDone(done).setTensorsTotal(total)
                                            .setBytesWritten(bytes))
                                    .build()));
            long size = merged.bytes();
            double seconds = (System.nanoTime() - start) / 1e9;
            sample.stop(meters.timer("optimesh.merge.duration", "method", plan.method().name()));
            String uri = CheckpointUris.toUri(plan.output());
            LOG.infof("Merged %d checkpoints by %s into %s (%d bytes) in %.3f s", plan.inputs().size(), plan.method(),
                    uri, size, seconds);
            return MergeResult.newBuilder()
                    .setOutput(CheckpointRef.newBuilder().setUri(uri).setSizeBytes(size))
                    .setMethod(request.getMethod())
                    .addAllWeights(plan.weights())
                    .setSeconds(seconds)
                    .build();
        } catch (IncompatibleCheckpointsException e) {
            throw inputError(plan.sources().get(e.input()), "CHECKPOINTS_INCOMPATIBLE", e.getMessage(),
                    Map.of("tensor", e.tensor()));
        } catch (InvalidCheckpointException e) {
            throw inputError(plan.sources().get(e.input()), "CHECKPOINT_MALFORMED", e.getMessage(), Map.of());
        } catch (FileAlreadyExistsException e) {
            // A shard of a sharded output that is there already (the index itself was checked before).
            throw MergeRequests.alreadyExists(Path.of(e.getFile()));
        } catch (IOException e) {
            LOG.errorf(e, "Merge into %s failed", plan.output());
            throw GrpcErrors.internal("MERGE_IO_FAILED", "merge into " + CheckpointUris.toUri(plan.output())
                    + " failed: " + e, Map.of("output_uri", CheckpointUris.toUri(plan.output())));
        } catch (RuntimeException e) {
            LOG.errorf(e, "Merge into %s failed", plan.output());
            throw GrpcErrors.internal("MERGE_FAILED", "merge into " + CheckpointUris.toUri(plan.output())
                    + " failed: " + e, Map.of("output_uri", CheckpointUris.toUri(plan.output())));
        }
    }

    /** INVALID_ARGUMENT pointing at the input at fault; the message is the domain's, which names the file. */
    private static StatusRuntimeException inputError(MergePlan.Source source, String reason, String message,
            Map<String, String> metadata) {
        String field = source.field();
        Map<String, String> info = new HashMap<>(metadata);
        info.put("uri", source.uri());
        BadRequest details = BadRequest.newBuilder().addFieldViolations(FieldViolation.newBuilder()
                .setField(field).setReason(reason).setDescription(message)).build();
        return GrpcErrors.error(Code.INVALID_ARGUMENT, reason, field + ": " + message, info, details);
    }

    private void finish(MergeCheckpointsRequest request, MergeResult result,
            StreamObserver<MergeCheckpointsResponse> responses) {
        responses.onNext(MergeCheckpointsResponse.newBuilder().setResult(result).build());
        responses.onCompleted();
        // After the answer: the client never waits on Kafka, and a missing broker fails only the event.
        events.mergeCompleted(result, request.getInputsList());
    }
}
