package io.optimesh.merge.api;

import io.optimesh.core.testing.TestChannels;

import static io.optimesh.merge.api.GrpcErrorDetails.errorInfo;
import static io.optimesh.merge.api.GrpcErrorDetails.violationReasons;
import static io.optimesh.merge.api.GrpcErrorDetails.violations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.events.CloudEventHeaders;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.Topics;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.SafetensorsReader;
import io.optimesh.core.safetensors.SafetensorsSink;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.ShardedSafetensors;
import io.optimesh.core.safetensors.Tensor;
import io.optimesh.core.safetensors.TensorSpec;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import io.optimesh.merge.config.MergeConfig;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeCheckpointsResponse;
import io.optimesh.v1.MergeCompleted;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.MergeOptions;
import io.optimesh.v1.MergeProgress;
import io.optimesh.v1.MergeResult;
import io.optimesh.v1.MergeServiceGrpc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MergeService over real gRPC on the test port, with real files and a real Kafka broker. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class MergeGrpcServiceTest {

    private static final JsonMapper JSON = new JsonMapper();

    @TestHTTPResource("/")
    URL root;

    @Inject
    MergeConfig config;

    @TempDir
    Path dir;

    private ManagedChannel channel;
    private MergeServiceGrpc.MergeServiceBlockingStub merges;
    private Path previous;
    private Path latest;

    @BeforeEach
    void setUp() throws IOException {
        channel = TestChannels.open(root);
        merges = MergeServiceGrpc.newBlockingStub(channel);
        // "w" has 6 elements: with the test's 4-element chunks it is read in two pieces.
        previous = dir.resolve("step-200.safetensors");
        SafetensorsWriter.write(previous, List.of(
                Tensor.f32("w", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                Tensor.f32("b", new long[] {3}, new float[] {0.5f, -1, 2})), Map.of("format", "pt", "step", "200"));
        latest = dir.resolve("step-300.safetensors");
        SafetensorsWriter.write(latest, List.of(
                Tensor.f32("w", new long[] {2, 3}, new float[] {5, 6, 7, 8, 9, 10}),
                Tensor.f32("b", new long[] {3}, new float[] {1.5f, 1, -2})), Map.of("format", "pt", "step", "300"));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void aLinearMergeStreamsProgressPerTensorThenWritesTheWeightedAverage() throws Exception {
        String id = UUID.randomUUID().toString();
        List<MergeCheckpointsResponse> responses = merge(linear(id, 1, 3));

        assertThat(responses).hasSize(3);
        assertThat(responses.subList(0, 2)).extracting(MergeCheckpointsResponse::getProgress).containsExactly(
                MergeProgress.newBuilder().setTensorsDone(1).setTensorsTotal(2).setBytesWritten(24).build(),
                MergeProgress.newBuilder().setTensorsDone(2).setTensorsTotal(2).setBytesWritten(36).build());
        MergeResult result = responses.get(2).getResult();
        Path output = config.checkpointDirectory().resolve(id + ".safetensors").toAbsolutePath().normalize();
        assertThat(result.getOutput().getUri()).isEqualTo(output.toUri().toString()).startsWith("file:///");
        assertThat(result.getOutput().getSizeBytes()).isEqualTo(Files.size(output));
        assertThat(result.getMethod()).isEqualTo(MergeMethod.MERGE_METHOD_LINEAR);
        assertThat(result.getWeightsList()).containsExactly(0.25, 0.75);
        assertThat(result.getSeconds()).isPositive();

        try (SafetensorsFile merged = SafetensorsFile.open(output)) {
            assertThat(merged.tensors()).extracting(t -> t.name()).containsExactly("w", "b");
            assertThat(merged.info("w").dtype()).isEqualTo(DType.F32);
            assertThat(merged.info("w").shape()).containsExactly(2, 3);
            // 0.25 * previous + 0.75 * latest.
            assertThat(merged.readFloats("w")).containsExactly(4, 5, 6, 7, 8, 9);
            assertThat(merged.readFloats("b")).containsExactly(1.25f, 0.5f, -1);
            Map<String, String> metadata = merged.metadata();
            assertThat(metadata).containsEntry("format", "pt").doesNotContainKey("step")
                    .containsEntry("optimesh.merge.method", "linear")
                    .containsEntry("optimesh.merge.weights", "[0.25,0.75]");
            assertThat(JSON.readValue(metadata.get("optimesh.merge.inputs"), String[].class))
                    .containsExactly(previous.toUri().toString(), latest.toUri().toString());
        }

        ConsumerRecord<String, byte[]> record = awaitEvent(result.getOutput().getUri());
        assertThat(CloudEventHeaders.type(record)).contains("optimesh.v1.MergeCompleted");
        assertThat(CloudEventHeaders.source(record)).contains("//optimesh.io/merge-svc");
        assertThat(CloudEventHeaders.specVersion(record)).contains("1.0");
        assertThat(CloudEventHeaders.contentType(record)).contains("application/protobuf");
        assertThat(CloudEventHeaders.id(record)).isPresent();
        assertThat(CloudEventHeaders.time(record)).hasValueSatisfying(t -> assertThat(t).isBefore(Instant.now().plusSeconds(1)));
        MergeCompleted event = EventDecoder.of(MergeCompleted.getDefaultInstance()).decode(record, MergeCompleted.class).orElseThrow();
        assertThat(event.getResult()).isEqualTo(result);
        assertThat(event.getInputsList()).extracting(CheckpointRef::getUri)
                .containsExactly(previous.toUri().toString(), latest.toUri().toString());

        assertThat(get("/q/metrics").body()).contains("optimesh_merge_duration_seconds_count{method=\"linear\"");
    }

    @Test
    void anAdjacentMergeWeighsTheLatestByLambdaAndWritesWhereItIsTold() throws Exception {
        Path output = dir.resolve("out/merged.safetensors");
        List<MergeCheckpointsResponse> responses = merge(MergeCheckpointsRequest.newBuilder()
                .setMethod(MergeMethod.MERGE_METHOD_ADJACENT)
                .addInputs(CheckpointRef.newBuilder().setUri(previous.toString()).setStep(200))
                .addInputs(CheckpointRef.newBuilder().setUri(latest.toUri().toString()).setStep(300))
                .addWeights(0.75)
                .setOutputUri(output.toString())
                .build());

        MergeResult result = responses.get(responses.size() - 1).getResult();
        assertThat(result.getOutput().getUri()).isEqualTo(output.toUri().toString());
        assertThat(result.getMethod()).isEqualTo(MergeMethod.MERGE_METHOD_ADJACENT);
        assertThat(result.getWeightsList()).containsExactly(0.75);
        try (SafetensorsFile merged = SafetensorsFile.open(output)) {
            // 0.75 * latest + 0.25 * previous: the same numbers as the linear merge with weights (1, 3).
            assertThat(merged.readFloats("w")).containsExactly(4, 5, 6, 7, 8, 9);
            assertThat(merged.readFloats("b")).containsExactly(1.25f, 0.5f, -1);
            assertThat(merged.metadata()).containsEntry("optimesh.merge.method", "adjacent")
                    .containsEntry("optimesh.merge.lambda", "0.75")
                    .containsEntry("optimesh.merge.weights", "[0.25,0.75]");
        }
        MergeCompleted event = EventDecoder.of(MergeCompleted.getDefaultInstance())
                .decode(awaitEvent(output.toUri().toString()), MergeCompleted.class).orElseThrow();
        assertThat(event.getInputsList()).extracting(CheckpointRef::getStep).containsExactly(200L, 300L);
    }

    @Test
    void aRepeatedRequestIdReturnsTheFirstResultWithoutMergingAgain() throws Exception {
        String id = UUID.randomUUID().toString();
        MergeResult first = merge(linear(id, 1, 1)).get(2).getResult();
        Path output = Path.of(URI.create(first.getOutput().getUri()));
        Object fileKey = Files.readAttributes(output, BasicFileAttributes.class).fileKey();

        List<MergeCheckpointsResponse> again = merge(linear(id, 1, 1));
        assertThat(again).hasSize(1);
        assertThat(again.get(0).getResult()).isEqualTo(first);
        // Every merge writes a new file and renames it into place: the same key means no second write.
        assertThat(Files.readAttributes(output, BasicFileAttributes.class).fileKey()).isEqualTo(fileKey);

        StatusRuntimeException e = refused(linear(id, 1, 2));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(violationReasons(e)).containsExactly(Map.entry("request_id", "REQUEST_ID_REUSED"));
    }

    @Test
    void incompatibleCheckpointsAreRefusedNamingTheTensorAndTheInput() throws Exception {
        Path reshaped = dir.resolve("reshaped.safetensors");
        SafetensorsWriter.write(reshaped, List.of(
                Tensor.f32("w", new long[] {3, 2}, new float[6]),
                Tensor.f32("b", new long[] {3}, new float[3])), Map.of());
        String id = UUID.randomUUID().toString();

        StatusRuntimeException e = refused(linear(id, 1, 1).toBuilder()
                .setInputs(1, CheckpointRef.newBuilder().setUri(reshaped.toUri().toString())).build());

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getReason()).isEqualTo("CHECKPOINTS_INCOMPATIBLE");
        assertThat(errorInfo(e).getMetadataMap()).containsEntry("tensor", "w").containsEntry("uri", reshaped.toUri().toString());
        assertThat(violations(e)).containsExactly(Map.entry("inputs[1].uri",
                "tensor 'w' has shape [2, 3] in " + previous + " but [3, 2] in " + reshaped));
        assertNothingWritten(id);
    }

    @Test
    void aTruncatedCheckpointIsRefusedAndNothingIsWritten() throws Exception {
        byte[] whole = Files.readAllBytes(latest);
        Path truncated = Files.write(dir.resolve("truncated.safetensors"), Arrays.copyOf(whole, whole.length - 5));
        String id = UUID.randomUUID().toString();

        StatusRuntimeException e = refused(linear(id, 1, 1).toBuilder()
                .setInputs(1, CheckpointRef.newBuilder().setUri(truncated.toString())).build());

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getReason()).isEqualTo("CHECKPOINT_MALFORMED");
        assertThat(violations(e)).containsOnlyKeys("inputs[1].uri");
        assertThat(violations(e).get("inputs[1].uri")).startsWith(truncated.toString());
        assertNothingWritten(id);
    }

    @Test
    void badFieldsAreRefusedWithFieldViolationsBeforeAnyFileIsRead() throws Exception {
        String id = UUID.randomUUID().toString();
        StatusRuntimeException e = refused(MergeCheckpointsRequest.newBuilder()
                .setRequestId(id)
                .setMethod(MergeMethod.MERGE_METHOD_LINEAR)
                .addInputs(CheckpointRef.newBuilder().setUri("http://checkpoints.example.com/step-200.safetensors"))
                .addInputs(CheckpointRef.newBuilder().setUri(latest.toUri().toString()))
                .addWeights(0.5).addWeights(-0.5)
                .build());
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getReason()).isEqualTo("INVALID_MERGE_REQUEST");
        assertThat(errorInfo(e).getDomain()).isEqualTo("optimesh.io");
        assertThat(violations(e)).containsOnlyKeys("inputs[0].uri", "weights[1]");
        assertThat(violations(e).get("inputs[0].uri")).isEqualTo("'http://checkpoints.example.com/step-200.safetensors' has"
                + " scheme 'http', but only file:// URIs and plain paths are supported");
        assertThat(violations(e).get("weights[1]")).contains("non-negative");

        e = refused(MergeCheckpointsRequest.newBuilder()
                .setRequestId(id)
                .setMethod(MergeMethod.MERGE_METHOD_ADJACENT)
                .addInputs(CheckpointRef.newBuilder().setUri(previous.toString()))
                .addInputs(CheckpointRef.newBuilder().setUri(latest.toString()))
                .addWeights(1.5)
                .build());
        assertThat(violations(e)).containsExactly(Map.entry("weights[0]", "lambda must lie in [0, 1], got 1.5"));
        assertNothingWritten(id);
    }

    @Test
    void theContractsOwnRulesAreCheckedBeforeTheServiceSeesTheRequest() {
        // Core's protovalidate interceptor applies merge.proto's constraints to every call.
        StatusRuntimeException e = refused(MergeCheckpointsRequest.newBuilder()
                .addInputs(CheckpointRef.newBuilder().setUri("").setStep(-1))
                .build());
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(e).getReason()).isEqualTo("INVALID_ARGUMENT");
        assertThat(violations(e)).containsOnlyKeys("method", "inputs[0].uri", "inputs[0].step");
    }

    @Test
    void aTaskArithmeticMergeReadsAShardedInputAndWritesShards() throws Exception {
        Path shardedLatest = dir.resolve("latest.safetensors.index.json");
        try (SafetensorsSink sink = SafetensorsSink.create(shardedLatest, List.of(
                new TensorSpec("w", DType.F32, new long[] {2, 3}), new TensorSpec("b", DType.F32, new long[] {3})),
                Map.of("format", "pt"), 24)) {
            sink.writeFloats("w", new float[] {5, 6, 7, 8, 9, 10}, 0, 6);
            sink.writeFloats("b", new float[] {1.5f, 1, -2}, 0, 3);
        }
        Path output = dir.resolve("ta-" + UUID.randomUUID() + ".safetensors.index.json");
        List<MergeCheckpointsResponse> responses = merge(MergeCheckpointsRequest.newBuilder()
                .setMethod(MergeMethod.MERGE_METHOD_TASK_ARITHMETIC)
                .addInputs(CheckpointRef.newBuilder().setUri(shardedLatest.toUri().toString()))
                .setOptions(MergeOptions.newBuilder().setBaseUri(previous.toUri().toString()))
                .addWeights(0.5)
                .setOutputUri(output.toUri().toString())
                .setMaxShardBytes(24)
                .build());

        MergeResult result = responses.get(responses.size() - 1).getResult();
        assertThat(result.getWeightsList()).containsExactly(0.5);
        try (SafetensorsReader merged = SafetensorsReader.open(output)) {
            // base + 0.5 (latest - base): w = (1..6) + 0.5 * 4, b = (0.5, -1, 2) + 0.5 (1, 2, -4).
            float[] w = new float[6];
            merged.readFloats("w", 0, w, 0, 6);
            assertThat(w).containsExactly(3, 4, 5, 6, 7, 8);
            float[] b = new float[3];
            merged.readFloats("b", 0, b, 0, 3);
            assertThat(b).containsExactly(1, 0, 0);
            assertThat(merged.metadata()).containsEntry("optimesh.merge.method", "task_arithmetic")
                    .containsEntry("optimesh.merge.base", previous.toUri().toString());
            List<Path> shards = ((ShardedSafetensors) merged).shards();
            assertThat(shards).extracting(p -> p.getFileName().toString()).allMatch(n -> n.matches("ta-.*-0000[12]-of-00002\\.safetensors"));
            assertThat(result.getOutput().getSizeBytes())
                    .isEqualTo(Files.size(output) + Files.size(shards.get(0)) + Files.size(shards.get(1)));
        }
    }

    @Test
    void optionsOutOfRangeAreRefusedByTheContractAndMissingOnesByTheService() {
        StatusRuntimeException e = refused(linear("", 1, 1).toBuilder().setMethod(MergeMethod.MERGE_METHOD_TIES)
                .setOptions(MergeOptions.newBuilder().setDensity(1.5).setDropProbability(1)).build());
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(violations(e)).containsOnlyKeys("options.density", "options.drop_probability");

        e = refused(linear("", 1, -1).toBuilder().setMethod(MergeMethod.MERGE_METHOD_TIES).build());
        assertThat(errorInfo(e).getReason()).isEqualTo("INVALID_MERGE_REQUEST");
        assertThat(violationReasons(e)).containsOnly(Map.entry("options.base_uri", "BASE_REQUIRED"),
                Map.entry("options.density", "OPTION_REQUIRED"), Map.entry("weights[1]", "WEIGHT_OUT_OF_RANGE"));
    }

    @Test
    void aMalformedBaseIsBlamedOnItsOwnField() throws Exception {
        Path base = Files.write(dir.resolve("base.safetensors"), new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        String id = UUID.randomUUID().toString();
        StatusRuntimeException e = refused(linear(id, 1, 1).toBuilder().setMethod(MergeMethod.MERGE_METHOD_TIES)
                .setOptions(MergeOptions.newBuilder().setBaseUri(base.toUri().toString()).setDensity(0.5)).build());
        assertThat(errorInfo(e).getReason()).isEqualTo("CHECKPOINT_MALFORMED");
        assertThat(violations(e)).containsOnlyKeys("options.base_uri");
        assertThat(violations(e).get("options.base_uri")).contains("header length 255 runs past the end of the file");
        assertNothingWritten(id);
    }


    private MergeCheckpointsRequest linear(String requestId, double w0, double w1) {
        return MergeCheckpointsRequest.newBuilder()
                .setRequestId(requestId)
                .setMethod(MergeMethod.MERGE_METHOD_LINEAR)
                .addInputs(CheckpointRef.newBuilder().setUri(previous.toUri().toString()))
                .addInputs(CheckpointRef.newBuilder().setUri(latest.toUri().toString()))
                .addWeights(w0)
                .addWeights(w1)
                .build();
    }

    private List<MergeCheckpointsResponse> merge(MergeCheckpointsRequest request) {
        List<MergeCheckpointsResponse> responses = new ArrayList<>();
        merges.mergeCheckpoints(request).forEachRemaining(responses::add);
        return responses;
    }

    private StatusRuntimeException refused(MergeCheckpointsRequest request) {
        return catchThrowableOfType(StatusRuntimeException.class, () -> merge(request));
    }

    /** Neither the output nor a temporary file named after it is in the checkpoint directory. */
    private void assertNothingWritten(String requestId) throws IOException {
        Path directory = config.checkpointDirectory();
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains(requestId));
            }
        }
    }

    /** The MergeCompleted record keyed by {@code outputUri}, read from the start of the topic. */
    private static ConsumerRecord<String, byte[]> awaitEvent(String outputUri) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerTestResource.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            Instant deadline = Instant.now().plusSeconds(30);
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && Instant.now().isBefore(deadline)) {
                partitions = consumer.partitionsFor(Topics.MERGES, Duration.ofSeconds(5)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (outputUri.equals(record.key())) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no event keyed " + outputUri + " on " + Topics.MERGES + " within 30 s");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(root.toString()).resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
