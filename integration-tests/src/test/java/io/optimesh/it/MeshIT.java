package io.optimesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.optimesh.cli.ExampleStudy;
import io.optimesh.cli.MeshPlan;
import io.optimesh.cli.MeshService;
import io.optimesh.core.events.CloudEventHeaders;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.KeyedEvents;
import io.optimesh.core.events.Topics;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.TensorInfo;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.CheckpointSaved;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CreateRunRequest;
import io.optimesh.v1.CreateStudyRequest;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.EvaluateScheduleRequest;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawServiceGrpc;
import io.optimesh.v1.ListAlgorithmsRequest;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeCompleted;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.MergeServiceGrpc;
import io.optimesh.v1.OptimizerServiceGrpc;
import io.optimesh.v1.RunFinished;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunStarted;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudyServiceGrpc;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialStarted;
import io.optimesh.v1.TrialState;
import io.optimesh.v1.Warmup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local mesh started for real, as {@code ./optimesh up} starts it: a KRaft broker and the five
 * packaged services as processes. The bundled example study is driven through it over gRPC, the events
 * are read back from Kafka, the checkpoints and the merged checkpoint are loaded, and bad input is
 * refused by every service.
 */
class MeshIT {

    /** Away from the defaults, so a developer's own mesh can stay up while the tests run. */
    private static final int BASE_PORT = 18080;
    private static final int KAFKA_PORT = 19092;

    private static final PrintWriter OUT = new PrintWriter(System.out, true);
    private static ItMesh mesh;
    private static MeshPlan plan;

    @BeforeAll
    static void up() throws IOException {
        mesh = ItMesh.up("it-mesh", List.of(MeshService.values()), BASE_PORT, KAFKA_PORT, Duration.ofMinutes(5), OUT);
        plan = mesh.plan;
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            assertThat(mesh.down()).as("every port is free after down").isTrue();
            for (int port : plan.ports().values()) {
                assertThat(isFree(port)).as("port %d after down", port).isTrue();
            }
        }
    }

    @Test
    void everyServiceAnswersHealthAndReflection() {
        Map<MeshService, String> contracts = Map.of(
                MeshService.AGENT_COORDINATOR, "optimesh.v1.StudyService",
                MeshService.TRAINER, "optimesh.v1.TrainerService",
                MeshService.OPTIMIZER, "optimesh.v1.OptimizerService",
                MeshService.LAW, "optimesh.v1.LawService",
                MeshService.MERGE, "optimesh.v1.MergeService");
        contracts.forEach((service, contract) -> {
            ManagedChannel channel = channel(service);
            HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(contract).build());
            assertThat(health.getStatus()).as(service.id()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            assertThat(reflectedServices(channel)).as(service.id())
                    .contains(contract, "grpc.health.v1.Health");
        });
    }

    @Test
    void exampleStudyRunsThroughEveryServiceAndIsRecordedOnTheTopics() throws IOException {
        ExampleStudy.Outcome outcome = new ExampleStudy("it-" + UUID.randomUUID()).run(plan, OUT);
        ExampleStudy.print(outcome, OUT);

        // The study: every trial trained, the best one learned far below the uniform-byte loss ln 256.
        assertThat(outcome.trials()).hasSize(ExampleStudy.TRIALS);
        assertThat(outcome.trials()).allSatisfy(t -> assertThat(t.getState()).isIn(
                TrialState.TRIAL_STATE_SUCCEEDED, TrialState.TRIAL_STATE_DIVERGED));
        assertThat(outcome.study().getBestTrial().getObjectiveValue()).isLessThan(3.6);
        assertThat(outcome.bestRun().getCheckpointsCount()).isGreaterThanOrEqualTo(2);

        // The checkpoint: a spec-valid safetensors file holding the GPT's weights.
        List<CheckpointRef> checkpoints = outcome.bestRun().getCheckpointsList().stream()
                .sorted(Comparator.comparingLong(CheckpointRef::getStep)).toList();
        Path previous = Path.of(URI.create(checkpoints.get(checkpoints.size() - 2).getUri()));
        Path last = Path.of(URI.create(checkpoints.get(checkpoints.size() - 1).getUri()));
        Path merged = Path.of(URI.create(outcome.merge().getOutput().getUri()));
        try (SafetensorsFile a = SafetensorsFile.open(previous);
                SafetensorsFile b = SafetensorsFile.open(last);
                SafetensorsFile m = SafetensorsFile.open(merged)) {
            assertThat(b.tensors()).extracting(TensorInfo::name).contains("transformer.wte.weight");
            assertThat(m.tensors()).extracting(TensorInfo::name)
                    .containsExactlyElementsOf(b.tensors().stream().map(TensorInfo::name).toList());
            // The merge is the element-wise mean of its inputs, to float32 rounding.
            for (TensorInfo tensor : b.tensors()) {
                float[] x = a.readFloats(tensor.name());
                float[] y = b.readFloats(tensor.name());
                float[] z = m.readFloats(tensor.name());
                for (int i = 0; i < z.length; i++) {
                    assertThat((double) z[i]).as("%s[%d]", tensor.name(), i)
                            .isCloseTo(0.5 * x[i] + 0.5 * y[i], org.assertj.core.data.Offset.offset(1e-6));
                }
            }
            assertThat(m.metadata()).containsKey("optimesh.merge.method");
        }
        assertThat(outcome.merged().getLoss()).isFinite().isCloseTo(outcome.lastCheckpoint().getLoss(),
                org.assertj.core.data.Percentage.withPercentage(10));
        assertThat(outcome.merged().getPerplexity()).isCloseTo(Math.exp(outcome.merged().getLoss()),
                org.assertj.core.data.Percentage.withPercentage(1e-6));

        // The law: fitted on the first half of the curve, its prediction of the end is in the right place.
        assertThat(outcome.predictedFinal().getLoss()).isCloseTo(outcome.actualFinalLoss(),
                org.assertj.core.data.Percentage.withPercentage(20));
        assertThat(outcome.predictedFinal().getLower()).isLessThanOrEqualTo(outcome.predictedFinal().getLoss());
        assertThat(outcome.predictedFinal().getUpper()).isGreaterThanOrEqualTo(outcome.predictedFinal().getLoss());

        // The study's log: created first, a record per trial, ended last, all with CloudEvents headers.
        String studyKey = outcome.study().getName().substring("studies/".length());
        List<Event> studyEvents = readEvents(Topics.STUDIES, studyKey, StudyEnded.class,
                StudyCreated.getDefaultInstance(), TrialCreated.getDefaultInstance(), TrialStarted.getDefaultInstance(),
                TrialEnded.getDefaultInstance(), StudyEnded.getDefaultInstance());
        assertThat(studyEvents.get(0).message()).isInstanceOf(StudyCreated.class);
        assertThat(studyEvents.get(studyEvents.size() - 1).message()).isInstanceOf(StudyEnded.class);
        assertThat(studyEvents).filteredOn(e -> e.message() instanceof TrialCreated).hasSize(ExampleStudy.TRIALS);
        assertThat(studyEvents).filteredOn(e -> e.message() instanceof TrialEnded).hasSize(ExampleStudy.TRIALS);
        assertCloudEvents(studyEvents, "//optimesh.io/agent-coordinator");

        // The best run's events: started, metrics, checkpoints, finished, in that order for its key.
        String runKey = outcome.bestRun().getName().substring("runs/".length());
        List<Event> runEvents = readEvents(Topics.RUNS, runKey, RunFinished.class, RunStarted.getDefaultInstance(),
                RunMetricsReported.getDefaultInstance(), CheckpointSaved.getDefaultInstance(),
                RunFinished.getDefaultInstance());
        assertThat(runEvents.get(0).message()).isInstanceOf(RunStarted.class);
        assertThat(runEvents.get(runEvents.size() - 1).message()).isInstanceOf(RunFinished.class);
        assertThat(runEvents).filteredOn(e -> e.message() instanceof CheckpointSaved).hasSizeGreaterThanOrEqualTo(2);
        long reportedSteps = runEvents.stream().filter(e -> e.message() instanceof RunMetricsReported)
                .mapToLong(e -> ((RunMetricsReported) e.message()).getMetricsCount()).sum();
        assertThat(reportedSteps).isEqualTo(ExampleStudy.STEPS);
        assertCloudEvents(runEvents, "//optimesh.io/trainer-svc");

        // The merge is announced on its topic, keyed by the output.
        String mergeKey = outcome.merge().getOutput().getUri();
        List<Event> mergeEvents = readEvents(Topics.MERGES, mergeKey, MergeCompleted.class,
                MergeCompleted.getDefaultInstance());
        assertThat(mergeEvents).hasSize(1);
        assertCloudEvents(mergeEvents, "//optimesh.io/merge-svc");
    }

    @Test
    void badInputIsRefusedWithFieldViolations() {
        StatusRuntimeException study = refused(() -> StudyServiceGrpc.newBlockingStub(channel(MeshService.AGENT_COORDINATOR))
                .createStudy(CreateStudyRequest.newBuilder().setSpec(StudySpec.newBuilder(ExampleStudy.spec())
                        .setSearchSpace(SearchSpace.getDefaultInstance())).build()));
        assertThat(fields(study)).anyMatch(f -> f.startsWith("spec.search_space"));

        RunSpec unknownPreset = RunSpec.newBuilder(ExampleStudy.spec().getBaseRun()).setModelPreset("gigantic").build();
        StatusRuntimeException run = refused(() -> TrainerServiceGrpc.newBlockingStub(channel(MeshService.TRAINER))
                .createRun(CreateRunRequest.newBuilder().setSpec(unknownPreset).build()));
        assertThat(fields(run)).contains("spec.model_preset");

        StatusRuntimeException schedule = refused(() -> OptimizerServiceGrpc.newBlockingStub(channel(MeshService.OPTIMIZER))
                .evaluateSchedule(EvaluateScheduleRequest.newBuilder().setSchedule(Schedule.newBuilder()
                        .setTotalSteps(100).setPeakLr(1e-3).setWarmup(Warmup.newBuilder().setSteps(100))
                        .setConstant(ConstantFamily.getDefaultInstance())).build()));
        assertThat(GrpcErrors.fieldViolations(schedule)).isNotEmpty();

        StatusRuntimeException curve = refused(() -> LawServiceGrpc.newBlockingStub(channel(MeshService.LAW))
                .fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER).addCurves(LabeledCurve.newBuilder()
                        .setName("backwards")
                        .setSchedule(Schedule.newBuilder().setTotalSteps(100).setPeakLr(1e-3)
                                .setConstant(ConstantFamily.getDefaultInstance()))
                        .addPoints(point(50, 3.0)).addPoints(point(40, 2.9)).addPoints(point(60, 2.8))
                        .addPoints(point(70, 2.7)).addPoints(point(80, 2.6))).build()));
        assertThat(fields(curve)).anyMatch(f -> f.startsWith("curves[0].points["));

        StatusRuntimeException merge = refused(() -> MergeServiceGrpc.newBlockingStub(channel(MeshService.MERGE))
                .mergeCheckpoints(MergeCheckpointsRequest.newBuilder().setMethod(MergeMethod.MERGE_METHOD_LINEAR)
                        .addInputs(CheckpointRef.newBuilder().setUri("http://example.com/a.safetensors"))
                        .addInputs(CheckpointRef.newBuilder().setUri("http://example.com/b.safetensors")).build())
                .hasNext());
        assertThat(fields(merge)).contains("inputs[0].uri");

        assertThat(OptimizerServiceGrpc.newBlockingStub(channel(MeshService.OPTIMIZER))
                .listAlgorithms(ListAlgorithmsRequest.getDefaultInstance()).getAlgorithmsList())
                .extracting(a -> a.getName()).contains("adamw");
    }

    private record Event(ConsumerRecord<String, byte[]> record, Message message) {
    }

    /** One key's events of a topic from the beginning up to the first of type {@code last}, decoded. */
    private static List<Event> readEvents(String topic, String key, Class<? extends Message> last,
            Message... types) {
        EventDecoder decoder = EventDecoder.of(types);
        List<Event> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : KeyedEvents.readUntil(plan.bootstrapServers(), topic, key,
                r -> decoder.decode(r, last).isPresent(), Duration.ofMinutes(1))) {
            decoder.decode(record).ifPresent(m -> events.add(new Event(record, m)));
        }
        return events;
    }

    private static void assertCloudEvents(List<Event> events, String source) {
        Set<String> ids = new HashSet<>();
        for (Event e : events) {
            ConsumerRecord<String, byte[]> r = e.record();
            assertThat(CloudEventHeaders.specVersion(r)).contains("1.0");
            assertThat(CloudEventHeaders.type(r)).contains(e.message().getDescriptorForType().getFullName());
            assertThat(CloudEventHeaders.source(r)).contains(source);
            assertThat(CloudEventHeaders.contentType(r)).contains("application/protobuf");
            assertThat(CloudEventHeaders.time(r)).hasValueSatisfying(t -> assertThat(t).isBefore(Instant.now().plusSeconds(5)));
            assertThat(ids.add(CloudEventHeaders.id(r).orElseThrow())).as("ce_id is unique").isTrue();
        }
    }

    private static StatusRuntimeException refused(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("the call is refused").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorInfo(e)).hasValueSatisfying(info -> assertThat(info.getDomain())
                .isEqualTo("optimesh.io"));
        return e;
    }

    private static List<String> fields(StatusRuntimeException e) {
        return GrpcErrors.fieldViolations(e).stream().map(BadRequest.FieldViolation::getField).toList();
    }

    private static CurvePoint point(long step, double loss) {
        return CurvePoint.newBuilder().setStep(step).setLoss(loss).build();
    }

    private static List<String> reflectedServices(ManagedChannel channel) {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        names.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        names.complete(List.of());
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        return names.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static ManagedChannel channel(MeshService service) {
        return mesh.channel(service);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getByName(MeshPlan.HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
