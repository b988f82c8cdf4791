package io.optimesh.trainer.api;

import io.optimesh.core.testing.TestChannels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.events.CloudEventHeaders;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.CheckpointSaved;
import io.optimesh.v1.CreateRunRequest;
import io.optimesh.v1.DatasetSpec;
import io.optimesh.v1.EvaluateCheckpointRequest;
import io.optimesh.v1.Evaluation;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.GetRunRequest;
import io.optimesh.v1.ListRunsRequest;
import io.optimesh.v1.ListRunsResponse;
import io.optimesh.v1.OptimizerPlacement;
import io.optimesh.v1.ResumeRunRequest;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunDiverged;
import io.optimesh.v1.RunFinished;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunStarted;
import io.optimesh.v1.RunState;
import io.optimesh.v1.RunStopped;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.StepMetrics;
import io.optimesh.v1.StopRunRequest;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.TrainerServiceGrpc.TrainerServiceBlockingStub;
import io.optimesh.v1.WatchRunRequest;
import io.optimesh.v1.WatchRunResponse;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TrainerService over a real gRPC channel, with runs of the tiny model on Europarl and their events
 * read back from a real broker.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class TrainerGrpcServiceTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private ManagedChannel channel;
    private TrainerServiceBlockingStub trainer;

    @BeforeEach
    void connect() {
        channel = TestChannels.open(root);
        trainer = TrainerServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void aRunTrainsToTheEndCheckpointsAndReportsEachStepOnTheRunsTopic() throws IOException {
        RunSpec spec = TestRuns.tinySpec(40, 3e-3)
                .setEvalInterval(20)
                .setCheckpointInterval(20)
                .setMetricsBatchSize(10)
                .build();
        Run created = trainer.createRun(CreateRunRequest.newBuilder().setSpec(spec).build()).getRun();
        assertThat(created.getName()).matches("runs/run-[0-9a-f]{8}");
        assertThat(created.getState()).isIn(RunState.RUN_STATE_PENDING, RunState.RUN_STATE_RUNNING);
        assertThat(created.getDevice()).isEqualTo("cpu()");
        assertThat(created.getModel().getParameterCount()).isEqualTo(4L * (12 * 64 * 64 + 13 * 64) + 256 * 64
                + 64 * 64 + 2 * 64);

        List<WatchRunResponse> updates = watch(created.getName());
        Run finished = updates.get(updates.size() - 1).getRun();
        assertThat(finished.getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(finished.getStep()).isEqualTo(40);
        // The watch began while the run trained: it saw the steps from some point on, in order.
        List<StepMetrics> watched = updates.stream().flatMap(u -> u.getMetricsList().stream()).toList();
        assertThat(watched).isNotEmpty();
        assertThat(watched).extracting(StepMetrics::getStep)
                .containsExactlyElementsOf(range(40).subList(40 - watched.size(), 40));

        List<ConsumerRecord<String, byte[]>> records = TestRuns.readExecution(bootstrapServers, runId(created));
        List<StepMetrics> metrics = metrics(records);
        assertThat(metrics).extracting(StepMetrics::getStep).containsExactlyElementsOf(range(40));
        assertThat(metrics.subList(40 - watched.size(), 40)).isEqualTo(watched);
        assertThat(metrics.get(10).getLearningRate()).isEqualTo(3e-3);
        assertThat(metrics.get(39).getTokensSeen()).isEqualTo(40L * 8 * 32);
        double firstLoss = metrics.get(0).getLoss();
        double lastLosses = metrics.subList(35, 40).stream().mapToDouble(StepMetrics::getLoss).average().orElseThrow();
        assertThat(firstLoss).isGreaterThan(5.0);
        assertThat(lastLosses).isLessThan(firstLoss - 1.0);
        assertThat(finished.getLatestEvaluation().getStep()).isEqualTo(40);
        assertThat(finished.getLatestEvaluation().getLoss()).isLessThan(firstLoss - 1.0);
        assertThat(finished.getLatestEvaluation().getDataset()).isEqualTo("europarl:validation");

        assertThat(finished.getCheckpointsList()).extracting(CheckpointRef::getStep).containsExactly(20L, 40L);
        CheckpointRef last = finished.getCheckpoints(1);
        assertThat(last.getRun()).isEqualTo(created.getName());
        assertThat(last.getValidationLoss()).isEqualTo(finished.getLatestEvaluation().getLoss());
        Path weights = Path.of(URI.create(last.getUri()));
        assertThat(weights.getFileName().toString()).isEqualTo("model.safetensors");
        assertThat(weights.getParent().getParent().getFileName().toString()).isEqualTo(runId(created));
        assertThat(last.getSizeBytes()).isEqualTo(Files.size(weights));
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            assertThat(file.metadata()).containsEntry("format", "pt").containsKey("optimesh.model");
            assertThat(file.tensors()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.F32));
            assertThat(file.tensors().stream().mapToLong(t -> t.shape()[0] * (t.shape().length > 1 ? t.shape()[1] : 1))
                    .sum()).isEqualTo(finished.getModel().getParameterCount());
        }

        assertThat(records).extracting(TestRuns::type).containsExactly(
                "optimesh.v1.RunStarted",
                "optimesh.v1.RunMetricsReported", "optimesh.v1.RunMetricsReported",
                "optimesh.v1.RunEvaluated", "optimesh.v1.CheckpointSaved",
                "optimesh.v1.RunMetricsReported", "optimesh.v1.RunMetricsReported",
                "optimesh.v1.RunEvaluated", "optimesh.v1.CheckpointSaved",
                "optimesh.v1.RunFinished");
        assertThat(records).allSatisfy(r -> {
            assertThat(CloudEventHeaders.specVersion(r)).contains("1.0");
            assertThat(CloudEventHeaders.source(r)).contains("//optimesh.io/trainer-svc");
            assertThat(CloudEventHeaders.contentType(r)).contains("application/protobuf");
            assertThat(CloudEventHeaders.id(r)).isPresent();
            assertThat(CloudEventHeaders.time(r)).isPresent();
        });
        assertThat(RunStarted.parseFrom(records.get(0).value()).getResumed()).isFalse();
        assertThat(CheckpointSaved.parseFrom(records.get(8).value()).getCheckpoint()).isEqualTo(last);
        assertThat(RunFinished.parseFrom(records.get(9).value()).getRun().getState())
                .isEqualTo(RunState.RUN_STATE_SUCCEEDED);

        assertThat(trainer.getRun(GetRunRequest.newBuilder().setName(created.getName()).build()).getRun())
                .isEqualTo(finished);
    }

    @Test
    void evaluateCheckpointScoresTheWeightsWithPerplexityExpOfTheLoss(@TempDir Path elsewhere) throws IOException {
        Run run = runToEnd(TestRuns.tinySpec(10, 3e-3).build());
        CheckpointRef checkpoint = run.getCheckpoints(0);
        EvaluateCheckpointRequest request = EvaluateCheckpointRequest.newBuilder()
                .setCheckpoint(checkpoint).setBatches(2).setBatchSize(4).build();

        Evaluation evaluation = trainer.evaluateCheckpoint(request).getEvaluation();

        assertThat(evaluation.getStep()).isEqualTo(10);
        assertThat(evaluation.getPerplexity()).isCloseTo(Math.exp(evaluation.getLoss()), within(1e-9));
        assertThat(evaluation.getLoss()).isBetween(1.0, Math.log(256));
        assertThat(evaluation.getNextTokenAccuracy()).isBetween(0.0, 1.0);
        assertThat(evaluation.getTokensEvaluated()).isEqualTo(2L * 4 * 64);
        assertThat(evaluation.getDataset()).isEqualTo("europarl:validation");

        // A weights file on its own (as a merge writes it) says in its metadata what model it holds.
        Path copy = elsewhere.resolve("copy.safetensors");
        Files.copy(Path.of(URI.create(checkpoint.getUri())), copy);
        Evaluation ofCopy = trainer.evaluateCheckpoint(request.toBuilder()
                .setCheckpoint(CheckpointRef.newBuilder().setUri(copy.toUri().toString()).setStep(10)).build())
                .getEvaluation();
        assertThat(ofCopy).isEqualTo(evaluation);

        StatusRuntimeException missing = catchThrowableOfType(StatusRuntimeException.class,
                () -> trainer.evaluateCheckpoint(request.toBuilder()
                        .setCheckpoint(CheckpointRef.newBuilder().setUri(elsewhere.resolve("none").toUri().toString()))
                        .build()));
        assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.fieldViolations(missing)).extracting(FieldViolation::getField)
                .containsExactly("checkpoint.uri");
    }

    @Test
    void aStoppedRunResumesFromItsCheckpointWithTheLossesOfAnUninterruptedRun() throws IOException {
        RunSpec spec = TestRuns.tinySpec(60, 3e-3).setMetricsBatchSize(1).build();
        Run whole = trainer.createRun(CreateRunRequest.newBuilder().setSpec(spec).build()).getRun();
        // Queued behind the first, so the watch below sees this run from its start.
        Run created = trainer.createRun(CreateRunRequest.newBuilder().setSpec(spec).build()).getRun();

        Iterator<WatchRunResponse> stream = trainer.withDeadlineAfter(120, TimeUnit.SECONDS)
                .watchRun(WatchRunRequest.newBuilder().setName(created.getName()).build());
        Run stopped = null;
        while (stream.hasNext()) {
            Run update = stream.next().getRun();
            if (stopped == null && update.getState() == RunState.RUN_STATE_RUNNING && update.getStep() >= 1) {
                stopped = trainer.stopRun(StopRunRequest.newBuilder().setName(created.getName()).build()).getRun();
            }
        }
        assertThat(stopped.getState()).isEqualTo(RunState.RUN_STATE_STOPPED);
        assertThat(stopped.getStateReason()).startsWith("stopped on request at step ");
        long stopStep = stopped.getStep();
        assertThat(stopStep).isBetween(1L, 59L);
        assertThat(stopped.getCheckpointsList()).extracting(CheckpointRef::getStep).containsExactly(stopStep);
        List<ConsumerRecord<String, byte[]>> first = TestRuns.readExecution(bootstrapServers, runId(created));
        assertThat(TestRuns.type(first.get(first.size() - 1))).isEqualTo("optimesh.v1.RunStopped");
        assertThat(RunStopped.parseFrom(first.get(first.size() - 1).value()).getRun()).isEqualTo(stopped);
        assertThat(metrics(first)).extracting(StepMetrics::getStep).containsExactlyElementsOf(range(stopStep));

        Run resumed = trainer.resumeRun(ResumeRunRequest.newBuilder().setName(created.getName()).build()).getRun();
        assertThat(resumed.getState()).isEqualTo(RunState.RUN_STATE_PENDING);
        assertThat(runToEnd(created.getName()).getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);

        List<ConsumerRecord<String, byte[]>> all = TestRuns.readUntil(bootstrapServers, runId(created),
                r -> TestRuns.type(r).equals("optimesh.v1.RunFinished"));
        List<ConsumerRecord<String, byte[]>> afterStop = all.subList(first.size(), all.size());
        assertThat(TestRuns.type(afterStop.get(0))).isEqualTo("optimesh.v1.RunStarted");
        assertThat(RunStarted.parseFrom(afterStop.get(0).value()).getResumed()).isTrue();
        assertThat(afterStop).extracting(TestRuns::type).filteredOn(TestRuns.TERMINAL_EVENTS::contains)
                .containsExactly("optimesh.v1.RunFinished");
        List<StepMetrics> interrupted = metrics(all);
        List<StepMetrics> uninterrupted = metrics(TestRuns.readExecution(bootstrapServers, runId(whole)));
        assertThat(interrupted).extracting(StepMetrics::getStep).containsExactlyElementsOf(range(60));
        assertThat(uninterrupted).extracting(StepMetrics::getStep).containsExactlyElementsOf(range(60));
        for (int step = 0; step < 60; step++) {
            assertThat(interrupted.get(step).getLoss()).as("loss at step %d", step)
                    .isCloseTo(uninterrupted.get(step).getLoss(), within(1e-5));
        }
    }

    @Test
    void aHugeLearningRateEndsTheRunAsDivergedWithEvidence() throws IOException {
        Run run = runToEnd(TestRuns.tinySpec(30, 10.0).build());

        assertThat(run.getState()).isEqualTo(RunState.RUN_STATE_DIVERGED);
        assertThat(run.getDivergence().getStep()).isEqualTo(run.getStep()).isBetween(1L, 29L);
        assertThat(run.getDivergence().getReason()).contains("at step " + run.getDivergence().getStep());
        assertThat(run.getStateReason()).isEqualTo(run.getDivergence().getReason());

        List<ConsumerRecord<String, byte[]>> records = TestRuns.readExecution(bootstrapServers, runId(run));
        ConsumerRecord<String, byte[]> end = records.get(records.size() - 1);
        assertThat(TestRuns.type(end)).isEqualTo("optimesh.v1.RunDiverged");
        assertThat(RunDiverged.parseFrom(end.value()).getEvidence()).isEqualTo(run.getDivergence());
    }

    @Test
    void createIsIdempotentOnRequestIdAndRunsListNewestFirst() {
        String requestId = UUID.randomUUID().toString();
        CreateRunRequest request = CreateRunRequest.newBuilder()
                .setRequestId(requestId)
                .setSpec(TestRuns.tinySpec(3, 1e-3))
                .build();
        Run first = trainer.createRun(request).getRun();
        Run again = trainer.createRun(request).getRun();
        assertThat(again.getName()).isEqualTo(first.getName());
        assertThat(again.getRequestId()).isEqualTo(requestId);
        Run other = trainer.createRun(CreateRunRequest.newBuilder().setRunId("named-" + requestId.substring(0, 8))
                .setSpec(TestRuns.tinySpec(3, 1e-3)).build()).getRun();
        assertThat(other.getName()).isEqualTo("runs/named-" + requestId.substring(0, 8));

        ListRunsResponse page = trainer.listRuns(ListRunsRequest.newBuilder().setPageSize(1).build());
        assertThat(page.getRunsList()).extracting(Run::getName).containsExactly(other.getName());
        ListRunsResponse next = trainer.listRuns(ListRunsRequest.newBuilder().setPageSize(1)
                .setPageToken(page.getNextPageToken()).build());
        assertThat(next.getRunsList()).extracting(Run::getName).containsExactly(first.getName());
        List<String> all = trainer.listRuns(ListRunsRequest.newBuilder().setPageSize(1000).build())
                .getRunsList().stream().map(Run::getName).toList();
        assertThat(all).containsOnlyOnce(first.getName());

        StatusRuntimeException taken = catchThrowableOfType(StatusRuntimeException.class, () -> trainer.createRun(
                CreateRunRequest.newBuilder().setRunId(runId(other)).setSpec(TestRuns.tinySpec(3, 1e-3)).build()));
        assertThat(taken.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        watch(first.getName());
        watch(other.getName());
    }

    @Test
    void badSpecsAreRefusedWithTheirFieldsAndCreateNoRun(@TempDir Path dir) {
        int before = trainer.listRuns(ListRunsRequest.newBuilder().setPageSize(1000).build()).getRunsCount();

        assertRefused(TestRuns.tinySpec(10, 1e-3).setModelPreset("huge").build(), "spec.model_preset");
        assertRefused(TestRuns.tinySpec(10, 1e-3).setSteps(-5).build(), "spec.steps");
        assertRefused(TestRuns.tinySpec(3, 1e-3)
                .setSchedule(Schedule.newBuilder().setTotalSteps(3)
                        .setExplicit(ExplicitFamily.newBuilder().addLrs(1e-3).addLrs(-1e-3).addLrs(1e-3)))
                .build(), "spec.schedule.explicit.lrs[1]");
        assertRefused(TestRuns.tinySpec(10, 1e-3)
                .setDataset(DatasetSpec.newBuilder().setPath(dir.resolve("missing.txt").toString())).build(),
                "spec.dataset.path");
        assertRefused(TestRuns.tinySpec(10, 1e-3)
                .setOptimizer(TestRuns.tinySpec(10, 1e-3).getOptimizer().toBuilder().setAlgorithm("adamz")).build(),
                "spec.optimizer.algorithm");
        assertRefused(TestRuns.tinySpec(10, 1e-3)
                .setOptimizer(TestRuns.tinySpec(10, 1e-3).getOptimizer().toBuilder().setAlgorithm("lion")
                        .putHyperparameters("eps", 1e-8)).build(),
                "spec.optimizer.hyperparameters[\"eps\"]");
        assertRefused(TestRuns.tinySpec(10, 1e-3).setSequenceLength(65).build(), "spec.sequence_length");

        StatusRuntimeException remote = catchThrowableOfType(StatusRuntimeException.class, () -> trainer.createRun(
                CreateRunRequest.newBuilder().setSpec(TestRuns.tinySpec(10, 1e-3)
                        .setOptimizerPlacement(OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE)).build()));
        assertThat(remote.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(remote.getStatus().getDescription()).contains("optimesh.trainer.optimizer-replicas");

        // The test JVM runs the CPU-only PyTorch build, so there is never a GPU here.
        StatusRuntimeException gpu = catchThrowableOfType(StatusRuntimeException.class, () -> trainer.createRun(
                CreateRunRequest.newBuilder().setSpec(TestRuns.tinySpec(10, 1e-3).setDevice("gpu")).build()));
        assertThat(gpu.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(GrpcErrors.errorInfo(gpu)).map(ErrorInfo::getReason).contains("DEVICE_UNAVAILABLE");
        assertThat(gpu.getStatus().getDescription()).contains("spec.device").contains("no GPU");

        assertThat(trainer.listRuns(ListRunsRequest.newBuilder().setPageSize(1000).build()).getRunsCount())
                .isEqualTo(before);
    }

    @Test
    void aDataFileWithTooLittleTextIsRefused(@TempDir Path dir) throws IOException {
        Path small = Files.writeString(dir.resolve("small.txt"), "one short line\n", StandardCharsets.UTF_8);
        assertRefused(TestRuns.tinySpec(10, 1e-3)
                .setDataset(DatasetSpec.newBuilder().setPath(small.toString())).build(), "spec.dataset.path");
    }

    @Test
    void unknownRunsAreNotFoundAndFinishedRunsCannotBeResumed() {
        StatusRuntimeException missing = catchThrowableOfType(StatusRuntimeException.class,
                () -> trainer.getRun(GetRunRequest.newBuilder().setName("runs/no-such-run").build()));
        assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

        Run done = runToEnd(TestRuns.tinySpec(2, 1e-3).build());
        StatusRuntimeException resume = catchThrowableOfType(StatusRuntimeException.class,
                () -> trainer.resumeRun(ResumeRunRequest.newBuilder().setName(done.getName()).build()));
        assertThat(resume.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(GrpcErrors.errorInfo(resume)).map(ErrorInfo::getReason).contains("RUN_NOT_RESUMABLE");
    }

    private void assertRefused(RunSpec spec, String field) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> trainer.createRun(CreateRunRequest.newBuilder().setSpec(spec).build()));
        assertThat(error).as("creating a run with a bad %s", field).isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField).contains(field);
    }

    private Run runToEnd(RunSpec spec) {
        return runToEnd(trainer.createRun(CreateRunRequest.newBuilder().setSpec(spec).build()).getRun().getName());
    }

    /** The run as its watch ends, in a terminal state. */
    private Run runToEnd(String name) {
        List<WatchRunResponse> updates = watch(name);
        return updates.get(updates.size() - 1).getRun();
    }

    /** The step metrics of RunMetricsReported events, in order. */
    private static List<StepMetrics> metrics(List<ConsumerRecord<String, byte[]>> records) throws IOException {
        List<StepMetrics> metrics = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (TestRuns.type(r).equals("optimesh.v1.RunMetricsReported")) {
                metrics.addAll(RunMetricsReported.parseFrom(r.value()).getMetricsList());
            }
        }
        return metrics;
    }

    /** Every update of a watch, until the stream ends with the run's terminal state. */
    private List<WatchRunResponse> watch(String name) {
        List<WatchRunResponse> updates = new ArrayList<>();
        trainer.withDeadlineAfter(120, TimeUnit.SECONDS)
                .watchRun(WatchRunRequest.newBuilder().setName(name).build())
                .forEachRemaining(updates::add);
        assertThat(updates).isNotEmpty();
        return updates;
    }

    private static String runId(Run run) {
        return run.getName().substring("runs/".length());
    }

    private static List<Long> range(long to) {
        List<Long> values = new ArrayList<>();
        for (long i = 0; i < to; i++) {
            values.add(i);
        }
        return values;
    }
}
