package io.optimesh.merge.api;

import static io.optimesh.merge.api.GrpcErrorDetails.errorInfo;
import static io.optimesh.merge.api.GrpcErrorDetails.violationReasons;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.data.Offset.offset;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.events.CloudEventHeaders;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.KeyedEvents;
import io.optimesh.core.events.Topics;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.Tensor;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import io.optimesh.core.testing.TestChannels;
import io.optimesh.merge.config.MergeConfig;
import io.optimesh.merge.search.RegressionCheckpoints;
import io.optimesh.merge.search.RegressionTrainerResource;
import io.optimesh.v1.Acquisition;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.MergeEvaluation;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.MergeSearchCompleted;
import io.optimesh.v1.MergeServiceGrpc;
import io.optimesh.v1.SearchMergeWeightsRequest;
import io.optimesh.v1.SearchMergeWeightsResponse;
import io.optimesh.v1.SearchMergeWeightsResult;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SearchMergeWeights over real gRPC on the test port: candidates merged for real, each scored by a
 * TrainerService on its own gRPC server ({@link RegressionTrainerResource}) through merge-svc's trainer
 * client, the result published to a real Kafka broker.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@QuarkusTestResource(RegressionTrainerResource.class)
class WeightSearchGrpcTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    MergeConfig config;

    @TempDir
    Path dir;

    private final RegressionCheckpoints model = new RegressionCheckpoints();
    private ManagedChannel channel;
    private MergeServiceGrpc.MergeServiceBlockingStub merges;
    private List<Path> inputs;

    @BeforeEach
    void setUp() throws IOException {
        channel = TestChannels.open(root);
        merges = MergeServiceGrpc.newBlockingStub(channel);
        inputs = model.write(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void gpHedgeSearchStreamsEveryEvaluationThenKeepsTheBestMergeAndPublishesIt() throws Exception {
        String id = "search-" + UUID.randomUUID();
        int evaluatedBefore = RegressionTrainerResource.EVALUATED.size();
        List<SearchMergeWeightsResponse> responses = search(adjacent(id, 8, Acquisition.ACQUISITION_GP_HEDGE));

        List<MergeEvaluation> streamed = responses.stream().filter(SearchMergeWeightsResponse::hasEvaluation)
                .map(SearchMergeWeightsResponse::getEvaluation).toList();
        SearchMergeWeightsResult result = responses.get(responses.size() - 1).getResult();
        assertThat(responses.subList(0, responses.size() - 1)).allMatch(SearchMergeWeightsResponse::hasEvaluation);
        assertThat(streamed).hasSizeBetween(3, 8).isEqualTo(result.getEvaluationsList());
        // Seed 002's start, lambda = alpha and lambda = 1, then the acquisitions' picks.
        assertThat(streamed.get(0).getWeightsList()).containsExactly(0.2);
        assertThat(streamed.get(1).getWeightsList()).containsExactly(1.0);
        assertThat(streamed.subList(0, 2)).extracting(MergeEvaluation::getProposedBy)
                .containsOnly(Acquisition.ACQUISITION_INITIAL_DESIGN);
        assertThat(streamed.subList(2, streamed.size())).extracting(MergeEvaluation::getProposedBy).allSatisfy(a ->
                assertThat(a).isIn(Acquisition.ACQUISITION_EXPECTED_IMPROVEMENT,
                        Acquisition.ACQUISITION_PROBABILITY_OF_IMPROVEMENT, Acquisition.ACQUISITION_UPPER_CONFIDENCE_BOUND));
        // One trainer evaluation per candidate: nothing evaluated twice.
        assertThat(RegressionTrainerResource.EVALUATED.size() - evaluatedBefore).isEqualTo(streamed.size());

        // The best: the smallest loss, its merge kept and scoring exactly that, the rest deleted.
        double smallest = streamed.stream().mapToDouble(MergeEvaluation::getValidationLoss).min().orElseThrow();
        assertThat(result.getBest().getValidationLoss()).isEqualTo(smallest);
        assertThat(result.getBest().getWeights(0)).isCloseTo(model.bestLambda(), offset(0.05));
        Path best = Path.of(URI.create(result.getOutput().getUri()));
        assertThat(result.getOutput().getValidationLoss()).isEqualTo(smallest);
        assertThat(model.loss(best)).isEqualTo(smallest);
        assertThat(result.getOutput().getSizeBytes()).isEqualTo(Files.size(best));
        try (Stream<Path> files = Files.list(best.getParent())) {
            assertThat(files).containsExactly(best);
        }
        assertThat(smallest).isLessThan(Math.min(model.loss(inputs.get(0)), model.loss(inputs.get(1))));

        // The posterior over [alpha, 1] for plotting.
        assertThat(result.getPosterior().getWeightsCount()).isEqualTo(101);
        assertThat(result.getPosterior().getWeights(0)).isEqualTo(0.2);
        assertThat(result.getPosterior().getWeights(100)).isEqualTo(1.0);
        assertThat(result.getPosterior().getMeanCount()).isEqualTo(101);
        assertThat(result.getPosterior().getStandardDeviationCount()).isEqualTo(101);

        ConsumerRecord<String, byte[]> record = KeyedEvents.readUntil(KafkaBrokerTestResource.bootstrapServers(),
                Topics.MERGES, result.getOutput().getUri(), r -> true, Duration.ofSeconds(30)).get(0);
        assertThat(CloudEventHeaders.type(record)).contains("optimesh.v1.MergeSearchCompleted");
        MergeSearchCompleted event = EventDecoder.of(MergeSearchCompleted.getDefaultInstance())
                .decode(record, MergeSearchCompleted.class).orElseThrow();
        assertThat(event.getResult()).isEqualTo(result);
        assertThat(event.getInputsList()).extracting(CheckpointRef::getUri)
                .containsExactly(inputs.get(0).toUri().toString(), inputs.get(1).toUri().toString());

        // A retry with the same id gets the result back without a single new evaluation.
        int evaluatedAfter = RegressionTrainerResource.EVALUATED.size();
        List<SearchMergeWeightsResponse> retry = search(adjacent(id, 8, Acquisition.ACQUISITION_GP_HEDGE));
        assertThat(retry).hasSize(1);
        assertThat(retry.get(0).getResult()).isEqualTo(result);
        assertThat(RegressionTrainerResource.EVALUATED).hasSize(evaluatedAfter);
    }

    @Test
    void gridBaselineSpendsTheBudgetOnEvenlySpacedLambdas() {
        List<SearchMergeWeightsResponse> responses = search(adjacent("grid-" + UUID.randomUUID(), 5,
                Acquisition.ACQUISITION_GRID));
        SearchMergeWeightsResult result = responses.get(responses.size() - 1).getResult();
        assertThat(result.getEvaluationsList()).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(result.getEvaluations(i).getWeights(0)).isCloseTo(0.2 + 0.2 * i, offset(1e-12));
        }
        assertThat(result.getEvaluationsList()).extracting(MergeEvaluation::getProposedBy)
                .containsOnly(Acquisition.ACQUISITION_GRID);
    }

    @Test
    void linearSearchWeighsBothCheckpointsOnTheSimplex() {
        SearchMergeWeightsRequest request = SearchMergeWeightsRequest.newBuilder()
                .setMethod(MergeMethod.MERGE_METHOD_LINEAR).addAllInputs(refs(inputs)).setBudget(4)
                .setAcquisition(Acquisition.ACQUISITION_RANDOM).setSeed(3).build();
        List<SearchMergeWeightsResponse> responses = search(request);
        SearchMergeWeightsResult result = responses.get(responses.size() - 1).getResult();
        assertThat(result.getEvaluationsList()).hasSize(4).allSatisfy(e -> {
            assertThat(e.getWeightsCount()).isEqualTo(2);
            assertThat(e.getWeights(0) + e.getWeights(1)).isCloseTo(1, offset(1e-12));
        });
    }

    @Test
    void badRequestsAreRefusedWithFieldViolationsAndNothingIsMerged() throws IOException {
        int evaluatedBefore = RegressionTrainerResource.EVALUATED.size();
        String id = "bad-" + UUID.randomUUID();
        StatusRuntimeException e = refused(SearchMergeWeightsRequest.newBuilder().setRequestId(id)
                .setMethod(MergeMethod.MERGE_METHOD_ADJACENT).addAllInputs(refs(inputs)).addAllInputs(refs(inputs))
                .setLowerBound(1).setBudget(5).setAcquisition(Acquisition.ACQUISITION_INITIAL_DESIGN).build());
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getReason()).isEqualTo("INVALID_MERGE_REQUEST");
        assertThat(violationReasons(e)).containsExactly(Map.entry("inputs", "INPUT_COUNT"),
                Map.entry("lower_bound", "LOWER_BOUND_OUT_OF_RANGE"), Map.entry("acquisition", "ACQUISITION_INVALID"));

        StatusRuntimeException linear = refused(SearchMergeWeightsRequest.newBuilder()
                .setMethod(MergeMethod.MERGE_METHOD_LINEAR).addAllInputs(refs(inputs)).setLowerBound(0.5).setBudget(3)
                .build());
        assertThat(violationReasons(linear)).containsExactly(Map.entry("lower_bound", "LOWER_BOUND_NOT_USED"));

        // The contract's own rules, checked by the protovalidate interceptor: a budget of zero, one input.
        StatusRuntimeException contract = refused(SearchMergeWeightsRequest.newBuilder()
                .setMethod(MergeMethod.MERGE_METHOD_ADJACENT).addAllInputs(refs(inputs.subList(0, 1))).build());
        assertThat(contract.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrorDetails.violations(contract)).containsOnlyKeys("inputs", "budget");

        StatusRuntimeException slerp = refused(adjacent(id, 3, Acquisition.ACQUISITION_GP_HEDGE).toBuilder()
                .setMethod(MergeMethod.MERGE_METHOD_SLERP).build());
        assertThat(slerp.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(errorInfo(slerp).getReason()).isEqualTo("SEARCH_METHOD_UNIMPLEMENTED");

        StatusRuntimeException missing = refused(adjacent(id, 3, Acquisition.ACQUISITION_GP_HEDGE).toBuilder()
                .setInputs(1, CheckpointRef.newBuilder().setUri(dir.resolve("nope.safetensors").toUri().toString()))
                .build());
        assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(errorInfo(missing).getMetadataMap()).containsEntry("field", "inputs[1].uri");

        Path other = dir.resolve("other.safetensors");
        SafetensorsWriter.write(other, List.of(Tensor.f32("w", new long[] {3}, new float[] {1, 2, 3})), Map.of());
        StatusRuntimeException incompatible = refused(adjacent(id, 3, Acquisition.ACQUISITION_GP_HEDGE).toBuilder()
                .setInputs(1, CheckpointRef.newBuilder().setUri(other.toUri().toString())).build());
        assertThat(incompatible.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(incompatible).getReason()).isEqualTo("CHECKPOINTS_INCOMPATIBLE");
        assertThat(violationReasons(incompatible)).containsOnlyKeys("inputs[1].uri");

        assertThat(RegressionTrainerResource.EVALUATED).hasSize(evaluatedBefore);
        Path searchDir = config.checkpointDirectory().resolve("searches").resolve(id);
        if (Files.isDirectory(searchDir)) {
            try (Stream<Path> files = Files.list(searchDir)) {
                assertThat(files).isEmpty();
            }
        }
    }

    private SearchMergeWeightsRequest adjacent(String id, int budget, Acquisition acquisition) {
        return SearchMergeWeightsRequest.newBuilder().setRequestId(id).setMethod(MergeMethod.MERGE_METHOD_ADJACENT)
                .addAllInputs(refs(inputs)).setLowerBound(0.2).setBudget(budget).setAcquisition(acquisition)
                .setSeed(1).build();
    }

    private static List<CheckpointRef> refs(List<Path> files) {
        return files.stream().map(p -> CheckpointRef.newBuilder().setUri(p.toUri().toString()).build()).toList();
    }

    private List<SearchMergeWeightsResponse> search(SearchMergeWeightsRequest request) {
        List<SearchMergeWeightsResponse> responses = new ArrayList<>();
        merges.searchMergeWeights(request).forEachRemaining(responses::add);
        return responses;
    }

    private StatusRuntimeException refused(SearchMergeWeightsRequest request) {
        return catchThrowableOfType(StatusRuntimeException.class, () -> search(request));
    }
}
