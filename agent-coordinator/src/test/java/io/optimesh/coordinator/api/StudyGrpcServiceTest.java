package io.optimesh.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.optimesh.coordinator.events.StudyLogReader;
import io.optimesh.coordinator.study.Studies;
import io.optimesh.coordinator.study.StudyAggregate;
import io.optimesh.coordinator.study.StudyLogException;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import io.optimesh.core.testing.ServiceEndpointChecks;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.CreateStudyRequest;
import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.GetStudyRequest;
import io.optimesh.v1.ListBestTrialsRequest;
import io.optimesh.v1.ListStudiesRequest;
import io.optimesh.v1.ListStudiesResponse;
import io.optimesh.v1.ListTrialsRequest;
import io.optimesh.v1.ListTrialsResponse;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ResumeStudyRequest;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.StopStudyRequest;
import io.optimesh.v1.Study;
import io.optimesh.v1.StudyBudget;
import io.optimesh.v1.StudyServiceGrpc;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;
import io.optimesh.v1.WatchStudyRequest;
import io.optimesh.v1.WatchStudyResponse;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** StudyService over real gRPC, with the study log on a real Kafka broker. */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class StudyGrpcServiceTest {

    private static final String TOPIC = "optimesh.studies.v1";

    private static final EventDecoder DECODER =
            EventDecoder.of(
                    io.optimesh.v1.StudyCreated.getDefaultInstance(),
                    io.optimesh.v1.TrialCreated.getDefaultInstance(),
                    io.optimesh.v1.TrialStarted.getDefaultInstance(),
                    io.optimesh.v1.TrialProgressReported.getDefaultInstance(),
                    io.optimesh.v1.TrialEnded.getDefaultInstance(),
                    io.optimesh.v1.StudyEnded.getDefaultInstance());

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private StudyServiceGrpc.StudyServiceBlockingStub studies;

    @BeforeEach
    void connect() {
        channel =
                ManagedChannelBuilder.forAddress(root.getHost(), root.getPort())
                        .usePlaintext()
                        .build();
        studies = StudyServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static StudySpec lrSearch(int maxTrials, int parallelism) {
        return StudySpec.newBuilder()
                .setDisplayName("learning-rate sweep")
                .setSearchSpace(
                        SearchSpace.newBuilder()
                                .addParameters(
                                        SearchParameter.newBuilder()
                                                .setName("learning_rate")
                                                .setFloatDomain(
                                                        FloatDomain.newBuilder()
                                                                .setMin(1e-4)
                                                                .setMax(3e-2)
                                                                .setLog(true))))
                .setBudget(StudyBudget.newBuilder().setMaxTrials(maxTrials))
                .setParallelism(parallelism)
                .setSeed(11)
                .setBaseRun(
                        RunSpec.newBuilder()
                                .setModelPreset("tiny")
                                .setSteps(100)
                                .setBatchSize(8)
                                .setSequenceLength(64)
                                .setOptimizer(
                                        OptimizerSpec.newBuilder()
                                                .setAlgorithm("adamw")
                                                .setWeightDecay(0.1))
                                .setSchedule(
                                        Schedule.newBuilder()
                                                .setTotalSteps(100)
                                                .setPeakLr(1e-3)
                                                .setMinLr(1e-4)
                                                .setCosine(CosineFamily.getDefaultInstance())))
                .build();
    }

    private Study create(String requestId, String studyId, StudySpec spec) {
        return studies.createStudy(
                        CreateStudyRequest.newBuilder()
                                .setRequestId(requestId)
                                .setStudyId(studyId)
                                .setSpec(spec)
                                .build())
                .getStudy();
    }

    /** Every update WatchStudy sends, until it closes the stream. */
    private List<WatchStudyResponse> watch(String name) {
        List<WatchStudyResponse> updates = new ArrayList<>();
        Iterator<WatchStudyResponse> it =
                studies.watchStudy(WatchStudyRequest.newBuilder().setName(name).build());
        it.forEachRemaining(updates::add);
        return updates;
    }

    @Test
    void aStudyRunsToItsEndAndEveryStepIsOnTheLog() throws Exception {
        Study created = create("req-sweep", "sweep", lrSearch(5, 2));
        assertThat(created.getName()).isEqualTo("studies/sweep");
        assertThat(created.getState()).isEqualTo(StudyState.STUDY_STATE_RUNNING);
        assertThat(created.getSpec().getMaxRetries()).isEqualTo(1);
        // Sent again, the same request finds the same study.
        assertThat(create("req-sweep", "", lrSearch(5, 2)).getName()).isEqualTo("studies/sweep");

        List<WatchStudyResponse> updates = watch("studies/sweep");
        Study done = updates.get(updates.size() - 1).getStudy();
        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        assertThat(done.getTrialsTotal()).isEqualTo(5);
        assertThat(done.getTrialsCompleted()).isEqualTo(5);
        Set<String> changed = new HashSet<>();
        updates.forEach(u -> u.getChangedTrialsList().forEach(t -> changed.add(t.getName())));
        assertThat(changed).hasSize(5);

        Study got =
                studies.getStudy(GetStudyRequest.newBuilder().setName("studies/sweep").build())
                        .getStudy();
        assertThat(got).isEqualTo(done);

        List<Trial> trials = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String token = "";
        do {
            ListTrialsResponse page =
                    studies.listTrials(
                            ListTrialsRequest.newBuilder()
                                    .setParent("studies/sweep")
                                    .setPageSize(2)
                                    .setPageToken(token)
                                    .build());
            trials.addAll(page.getTrialsList());
            pageSizes.add(page.getTrialsCount());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(pageSizes).containsExactly(2, 2, 1);
        assertThat(trials)
                .extracting(Trial::getName)
                .containsExactly(
                        "studies/sweep/trials/1",
                        "studies/sweep/trials/2",
                        "studies/sweep/trials/3",
                        "studies/sweep/trials/4",
                        "studies/sweep/trials/5");
        assertThat(trials).allMatch(t -> t.getState() == TrialState.TRIAL_STATE_SUCCEEDED);
        Trial lowest =
                trials.stream()
                        .min((a, b) -> Double.compare(a.getObjectiveValue(), b.getObjectiveValue()))
                        .orElseThrow();
        assertThat(
                        studies.listBestTrials(
                                        ListBestTrialsRequest.newBuilder()
                                                .setParent("studies/sweep")
                                                .build())
                                .getTrialsList())
                .containsExactly(lowest);
        assertThat(done.getBestTrial()).isEqualTo(lowest);

        // The log on Kafka: keyed by study id, CloudEvents headers, the whole story in order.
        List<ConsumerRecord<String, byte[]>> records = readStudyLog("sweep");
        List<String> types = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            String type = header(r, "ce_type");
            types.add(type.substring("optimesh.v1.".length()));
            assertThat(header(r, "ce_specversion")).isEqualTo("1.0");
            assertThat(header(r, "ce_source")).isEqualTo("//optimesh.io/agent-coordinator");
            assertThat(header(r, "content-type")).isEqualTo("application/protobuf");
            assertThat(Instant.parse(header(r, "ce_time"))).isBefore(Instant.now());
            ids.add(header(r, "ce_id"));
            Message event = DECODER.decode(r).orElseThrow();
            assertThat(event.getDescriptorForType().getFullName()).isEqualTo(type);
        }
        assertThat(ids).hasSize(records.size());
        assertThat(types.get(0)).isEqualTo("StudyCreated");
        assertThat(types.get(types.size() - 1)).isEqualTo("StudyEnded");
        assertThat(types.stream().filter("TrialCreated"::equals)).hasSize(5);
        assertThat(types.stream().filter("TrialStarted"::equals)).hasSize(5);
        assertThat(types.stream().filter("TrialEnded"::equals)).hasSize(5);
        assertThat(types.stream().filter("TrialProgressReported"::equals)).hasSize(5 * 4);

        // What a restarted coordinator rebuilds from that log is the study the API shows.
        Studies rebuilt =
                new Studies(
                        (id, event) -> {
                            throw new StudyLogException("a replay appends nothing", null);
                        },
                        Clock.systemUTC());
        new StudyLogReader(bootstrapServers(), TOPIC)
                .replay(Duration.ofSeconds(20), rebuilt::replay);
        assertThat(rebuilt.locked("sweep", StudyAggregate::study)).isEqualTo(got);
        assertThat(rebuilt.locked("sweep", StudyAggregate::trials)).isEqualTo(trials);
    }

    @Test
    void aStudyStopsAndResumes() {
        create("", "pausable", lrSearch(3, 2));
        Study stopped =
                studies.stopStudy(StopStudyRequest.newBuilder().setName("studies/pausable").build())
                        .getStudy();
        assertThat(stopped.getState()).isEqualTo(StudyState.STUDY_STATE_STOPPED);
        List<WatchStudyResponse> whileStopping = watch("studies/pausable");
        Study settled = whileStopping.get(whileStopping.size() - 1).getStudy();
        assertThat(settled.getState()).isEqualTo(StudyState.STUDY_STATE_STOPPED);
        assertThat(settled.getTrialsTotal()).isEqualTo(2);
        assertThat(settled.getTrialsCompleted()).isZero();

        Study resumed =
                studies.resumeStudy(
                                ResumeStudyRequest.newBuilder().setName("studies/pausable").build())
                        .getStudy();
        assertThat(resumed.getState()).isEqualTo(StudyState.STUDY_STATE_RUNNING);
        List<WatchStudyResponse> updates = watch("studies/pausable");
        Study done = updates.get(updates.size() - 1).getStudy();
        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        assertThat(done.getTrialsCompleted()).isEqualTo(3);

        StatusRuntimeException ended =
                catchStatus(
                        () ->
                                studies.stopStudy(
                                        StopStudyRequest.newBuilder()
                                                .setName("studies/pausable")
                                                .build()));
        assertThat(ended.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(errorInfo(ended).getReason()).isEqualTo("STUDY_ENDED");
    }

    @Test
    void lawBasedStoppingIsAcceptedWithIntermediateEvaluations() {
        StudySpec law =
                lrSearch(2, 2).toBuilder().setPruner(io.optimesh.v1.Pruner.PRUNER_LAW).build();
        StatusRuntimeException noEvals = catchStatus(() -> create("", "", law));
        assertThat(errorInfo(noEvals).getReason()).isEqualTo("INVALID_STUDY_SPEC");
        assertThat(badRequest(noEvals).getFieldViolationsList())
                .extracting(BadRequest.FieldViolation::getField)
                .containsExactly("spec.pruner");

        StudySpec withEvals =
                law.toBuilder()
                        .setBaseRun(law.getBaseRun().toBuilder().setEvalInterval(25))
                        .build();
        Study created = create("", "law-stopped", withEvals);
        assertThat(created.getSpec().getPruner()).isEqualTo(io.optimesh.v1.Pruner.PRUNER_LAW);
        // law-svc publishes no forecast for these runs, so none is pruned.
        List<WatchStudyResponse> updates = watch("studies/law-stopped");
        Study done = updates.get(updates.size() - 1).getStudy();
        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        assertThat(done.getTrialsCompleted()).isEqualTo(2);
    }

    @Test
    void studiesArePagedNewestFirst() {
        List<String> mine = List.of("page-a", "page-b", "page-c");
        for (String id : mine) {
            create("", id, lrSearch(1, 1));
        }
        List<Study> listed = new ArrayList<>();
        String token = "";
        do {
            ListStudiesResponse page =
                    studies.listStudies(
                            ListStudiesRequest.newBuilder()
                                    .setPageSize(2)
                                    .setPageToken(token)
                                    .build());
            assertThat(page.getStudiesCount()).isLessThanOrEqualTo(2);
            listed.addAll(page.getStudiesList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        List<String> names = listed.stream().map(Study::getName).toList();
        assertThat(names)
                .doesNotHaveDuplicates()
                .containsSubsequence("studies/page-c", "studies/page-b", "studies/page-a");
        for (int i = 1; i < listed.size(); i++) {
            assertThat(
                            Instant.ofEpochSecond(
                                    listed.get(i - 1).getCreateTime().getSeconds(),
                                    listed.get(i - 1).getCreateTime().getNanos()))
                    .isAfterOrEqualTo(
                            Instant.ofEpochSecond(
                                    listed.get(i).getCreateTime().getSeconds(),
                                    listed.get(i).getCreateTime().getNanos()));
        }
    }

    @Test
    void badInputIsRefusedWithFieldViolations() {
        StudySpec valid = lrSearch(3, 1);
        // The first three break rules declared in coordinator.proto, which core's interceptor
        // checks
        // before the service sees the request; the unknown name only the coordinator can refuse.
        Map<StudySpec, List<String>> cases =
                Map.of(
                        valid.toBuilder().setSearchSpace(SearchSpace.getDefaultInstance()).build(),
                        List.of(GrpcErrors.INVALID_ARGUMENT, "spec.search_space.parameters"),
                        valid.toBuilder().setBudget(StudyBudget.getDefaultInstance()).build(),
                        List.of(GrpcErrors.INVALID_ARGUMENT, "spec.budget"),
                        valid.toBuilder().setSamplerValue(42).build(),
                        List.of(GrpcErrors.INVALID_ARGUMENT, "spec.sampler"),
                        valid.toBuilder()
                                .setSearchSpace(
                                        SearchSpace.newBuilder()
                                                .addParameters(
                                                        valid
                                                                .getSearchSpace()
                                                                .getParameters(0)
                                                                .toBuilder()
                                                                .setName("lr")))
                                .build(),
                        List.of("INVALID_STUDY_SPEC", "spec.search_space.parameters[0].name"));
        cases.forEach(
                (spec, expected) -> {
                    StatusRuntimeException e = catchStatus(() -> create("", "", spec));
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    ErrorInfo info = errorInfo(e);
                    assertThat(info.getReason()).isEqualTo(expected.get(0));
                    assertThat(info.getDomain()).isEqualTo("optimesh.io");
                    assertThat(badRequest(e).getFieldViolationsList())
                            .extracting(BadRequest.FieldViolation::getField)
                            .containsExactly(expected.get(1));
                });
        // A law-informed sampler is a valid value the coordinator cannot run yet.
        StatusRuntimeException lawInformed =
                catchStatus(
                        () ->
                                create(
                                        "",
                                        "",
                                        valid.toBuilder()
                                                .setSampler(
                                                        io.optimesh.v1.Sampler
                                                                .SAMPLER_LAW_INFORMED)
                                                .build()));
        assertThat(errorInfo(lawInformed).getReason()).isEqualTo("INVALID_STUDY_SPEC");
        assertThat(badRequest(lawInformed).getFieldViolations(0).getField())
                .isEqualTo("spec.sampler");

        StatusRuntimeException unknown =
                catchStatus(
                        () ->
                                studies.getStudy(
                                        GetStudyRequest.newBuilder()
                                                .setName("studies/no-such-study")
                                                .build()));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(errorInfo(unknown).getReason()).isEqualTo(GrpcErrors.RESOURCE_NOT_FOUND);

        StatusRuntimeException badName =
                catchStatus(
                        () ->
                                studies.getStudy(
                                        GetStudyRequest.newBuilder().setName("sweep").build()));
        assertThat(badRequest(badName).getFieldViolations(0).getField()).isEqualTo("name");

        create("", "tokens", lrSearch(1, 1));
        StatusRuntimeException badToken =
                catchStatus(
                        () ->
                                studies.listTrials(
                                        ListTrialsRequest.newBuilder()
                                                .setParent("studies/tokens")
                                                .setPageToken("bogus")
                                                .build()));
        assertThat(badToken.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(badToken).getFieldViolations(0).getField()).isEqualTo("page_token");
    }

    @Test
    void healthReflectionAndMetricsAreServed() throws Exception {
        HealthCheckResponse health =
                HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        assertThat(ServiceEndpointChecks.reflectedServiceNames(channel))
                .contains("optimesh.v1.StudyService");

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready =
                http.send(
                        HttpRequest.newBuilder(root.toURI().resolve("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("study-log");
        HttpResponse<String> metrics =
                http.send(
                        HttpRequest.newBuilder(URI.create(root.toString()).resolve("/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body())
                .contains(
                        "optimesh_coordinator_trials{state=\"succeeded\"}",
                        "optimesh_coordinator_studies{state=\"running\"}");
    }

    private static String bootstrapServers() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static List<ConsumerRecord<String, byte[]>> readStudyLog(String studyId) {
        Map<String, Object> config =
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(
                        config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(TOPIC).stream()
                            .map(p -> new TopicPartition(TOPIC, p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Instant deadline = Instant.now().plusSeconds(20);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (studyId.equals(r.key())) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    private static StatusRuntimeException catchStatus(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }

    private static ErrorInfo errorInfo(StatusRuntimeException e) {
        return detail(e, ErrorInfo.class);
    }

    private static BadRequest badRequest(StatusRuntimeException e) {
        return detail(e, BadRequest.class);
    }

    private static <T extends Message> T detail(StatusRuntimeException e, Class<T> type) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertThat(status).isNotNull();
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return any.unpack(type);
                } catch (InvalidProtocolBufferException ex) {
                    throw new AssertionError(ex);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + status);
    }
}
