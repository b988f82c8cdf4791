package io.optimesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Message;
import io.optimesh.cli.MeshService;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.KeyedEvents;
import io.optimesh.core.events.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CreateRunRequest;
import io.optimesh.v1.GetRunRequest;
import io.optimesh.v1.ListRunsRequest;
import io.optimesh.v1.OptimizerPlacement;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ResumeRunRequest;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunFinished;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunStarted;
import io.optimesh.v1.RunState;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.StepMetrics;
import io.optimesh.v1.StopRunRequest;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.TrainerServiceGrpc.TrainerServiceBlockingStub;
import io.optimesh.v1.WatchRunRequest;
import io.optimesh.v1.WatchRunResponse;
import io.optimesh.v1.Warmup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged trainer-svc and optimizer-svc as processes beside a broker, started as the local mesh
 * starts them. The trainer is killed with SIGKILL in the middle of a run and started again on the
 * same state directory, where the run is resumed and must repeat the losses of an uninterrupted run
 * of the same spec. A run whose optimizer is placed in optimizer-svc stops, resumes from the
 * service's snapshot, and repeats the losses of the optimizer run in process.
 */
class TrainerRestartIT {

    /** Away from MeshIT's ports and the defaults, so either can run beside this. */
    private static final int BASE_PORT = 18180;
    private static final int KAFKA_PORT = 19192;
    private static final long STEPS = 160;
    private static final long CHECKPOINT_INTERVAL = 40;

    private static final PrintWriter OUT = new PrintWriter(System.out, true);
    private static ItMesh mesh;

    @BeforeAll
    static void up() throws IOException {
        mesh = ItMesh.up("it-trainer-restart", List.of(MeshService.TRAINER, MeshService.OPTIMIZER), BASE_PORT,
                KAFKA_PORT, Duration.ofMinutes(3), OUT);
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            assertThat(mesh.down()).as("every port is free after down").isTrue();
        }
    }

    /** The tiny preset on rows of 32 bytes: a step takes milliseconds, the whole run seconds. */
    static RunSpec spec() {
        return RunSpec.newBuilder()
                .setModelPreset("tiny")
                .setSteps(STEPS)
                .setBatchSize(8)
                .setSequenceLength(32)
                .setSeed(23)
                .setEvalBatches(1)
                .setCheckpointInterval(CHECKPOINT_INTERVAL)
                .setMetricsBatchSize(10)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1)
                        .setGradientClipNorm(1.0))
                .setSchedule(Schedule.newBuilder().setTotalSteps(STEPS).setPeakLr(3e-3)
                        .setWarmup(Warmup.newBuilder().setSteps(10))
                        .setConstant(ConstantFamily.getDefaultInstance()))
                .build();
    }

    @Test
    void aRunKilledWithSigkillResumesAfterARestartWithTheUninterruptedLosses() throws Exception {
        TrainerServiceBlockingStub trainer = trainer();
        Run crashed = trainer.createRun(CreateRunRequest.newBuilder().setRunId("killed").setSpec(spec()).build())
                .getRun();
        long killedAfter = awaitFirstCheckpoint(trainer, crashed.getName());
        OUT.printf("Killing the trainer with %s at step %d or later%n", crashed.getName(), killedAfter);
        mesh.kill(MeshService.TRAINER);
        mesh.restart(MeshService.TRAINER);
        trainer = trainer();
        Run recovered = trainer.getRun(GetRunRequest.newBuilder().setName(crashed.getName()).build()).getRun();
        assertThat(recovered.getState()).isEqualTo(RunState.RUN_STATE_STOPPED);
        assertThat(recovered.getStateReason()).contains("trainer restarted while the run was RUNNING");
        assertThat(recovered.getStep()).isGreaterThanOrEqualTo(CHECKPOINT_INTERVAL).isLessThan(STEPS)
                .isEqualTo(recovered.getCheckpoints(recovered.getCheckpointsCount() - 1).getStep());
        assertThat(trainer.listRuns(ListRunsRequest.getDefaultInstance()).getRunsList()).extracting(Run::getName)
                .contains(crashed.getName());

        trainer.resumeRun(ResumeRunRequest.newBuilder().setName(crashed.getName()).build());
        Run reference = trainer.createRun(CreateRunRequest.newBuilder().setRunId("uninterrupted").setSpec(spec())
                .build()).getRun();
        assertThat(awaitEnd(trainer, crashed.getName()).getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(awaitEnd(trainer, reference.getName()).getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);

        Map<Long, Double> expected = losses("uninterrupted").get(0);
        assertThat(expected).hasSize((int) STEPS);
        List<Map<Long, Double>> executions = losses("killed");
        assertThat(executions).as("the killed execution and the resumed one").hasSize(2);
        Map<Long, Double> resumed = executions.get(1);
        assertThat(resumed.keySet()).first().isEqualTo(recovered.getStep());
        assertThat(resumed.keySet()).last().isEqualTo(STEPS - 1);
        assertThat(resumed).hasSize((int) (STEPS - recovered.getStep()));
        assertSameLosses(executions, expected);
    }

    private static void assertSameLosses(List<Map<Long, Double>> executions, Map<Long, Double> expected) {
        for (Map<Long, Double> execution : executions) {
            OUT.printf("Steps %d..%d: first differing bit-wise at %s, largest difference %.3g%n",
                    ((TreeMap<Long, Double>) execution).firstKey(), ((TreeMap<Long, Double>) execution).lastKey(),
                    execution.keySet().stream().filter(s -> !execution.get(s).equals(expected.get(s))).findFirst()
                            .map(String::valueOf).orElse("none"),
                    execution.entrySet().stream().mapToDouble(e -> Math.abs(e.getValue() - expected.get(e.getKey())))
                            .max().orElse(0));
        }
        for (Map<Long, Double> execution : executions) {
            execution.forEach((step, loss) -> assertThat(loss).as("loss at step %d", step)
                    .isCloseTo(expected.get(step), within(1e-5)));
        }
    }

    @Test
    void aRunWithItsOptimizerInOptimizerSvcTrainsStopsAndResumesWithTheInProcessLosses() throws Exception {
        TrainerServiceBlockingStub trainer = trainer();
        RunSpec remoteSpec = spec().toBuilder().setOptimizerPlacement(OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE)
                .build();
        Run remote = trainer.createRun(CreateRunRequest.newBuilder().setRunId("remote").setSpec(remoteSpec).build())
                .getRun();
        awaitFirstCheckpoint(trainer, remote.getName());
        Run stopped = trainer.stopRun(StopRunRequest.newBuilder().setName(remote.getName()).build()).getRun();
        assertThat(stopped.getState()).as("stopped before its end").isEqualTo(RunState.RUN_STATE_STOPPED);
        assertThat(stopped.getStep()).isLessThan(STEPS);

        // The stop checkpoint holds the weights and, in place of state arrays, optimizer-svc's snapshot.
        CheckpointRef last = stopped.getCheckpoints(stopped.getCheckpointsCount() - 1);
        assertThat(last.getStep()).isEqualTo(stopped.getStep());
        Path directory = Path.of(URI.create(last.getUri())).getParent();
        JsonNode optimizer = new ObjectMapper().readTree(directory.resolve("checkpoint.json").toFile())
                .get("optimizer");
        assertThat(optimizer.get("updates").asLong()).isEqualTo(stopped.getStep());
        assertThat(optimizer.get("snapshots")).hasSize(1);
        assertThat(Path.of(URI.create(optimizer.get("snapshots").get(0).asText()))).isRegularFile();
        assertThat(directory.resolve("optimizer.safetensors")).doesNotExist();

        trainer.resumeRun(ResumeRunRequest.newBuilder().setName(remote.getName()).build());
        Run inProcess = trainer.createRun(CreateRunRequest.newBuilder().setRunId("in-process").setSpec(spec())
                .build()).getRun();
        assertThat(awaitEnd(trainer, remote.getName()).getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(awaitEnd(trainer, inProcess.getName()).getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);

        Map<Long, Double> expected = losses("in-process").get(0);
        assertThat(expected).hasSize((int) STEPS);
        List<Map<Long, Double>> executions = losses("remote");
        assertThat(executions).as("before the stop and after the resume").hasSize(2);
        assertThat(executions.get(0).size() + executions.get(1).size()).isEqualTo((int) STEPS);
        assertThat(((TreeMap<Long, Double>) executions.get(1)).firstKey()).isEqualTo(stopped.getStep());
        assertSameLosses(executions, expected);
        assertOnlyKeptCheckpointsHaveSnapshots(directory.getParent(), Path.of(URI.create(
                optimizer.get("snapshots").get(0).asText())).getParent().getParent());
    }

    /**
     * Retention removed the older checkpoints of the run, and with them their snapshots in
     * optimizer-svc: the snapshot files left are exactly those the kept checkpoints record.
     */
    private static void assertOnlyKeptCheckpointsHaveSnapshots(Path runCheckpoints, Path snapshotDirectory)
            throws IOException {
        List<Path> recorded = new ArrayList<>();
        try (Stream<Path> manifests = Files.walk(runCheckpoints)) {
            for (Path manifest : manifests.filter(p -> p.getFileName().toString().equals("checkpoint.json")).toList()) {
                new ObjectMapper().readTree(manifest.toFile()).get("optimizer").get("snapshots")
                        .forEach(uri -> recorded.add(Path.of(URI.create(uri.asText()))));
            }
        }
        try (Stream<Path> files = Files.walk(snapshotDirectory)) {
            List<Path> present = files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
            OUT.printf("Snapshots in optimizer-svc: %d, recorded by the kept checkpoints: %d%n", present.size(),
                    recorded.size());
            assertThat(recorded).as("kept checkpoints record snapshots").isNotEmpty();
            assertThat(present).containsExactlyInAnyOrderElementsOf(recorded);
        }
    }

    /** Watches a run until it has a checkpoint; returns the step it had reached then. */
    private static long awaitFirstCheckpoint(TrainerServiceBlockingStub trainer, String name) {
        Iterator<WatchRunResponse> updates = trainer.withDeadlineAfter(2, TimeUnit.MINUTES)
                .watchRun(WatchRunRequest.newBuilder().setName(name).build());
        while (updates.hasNext()) {
            Run run = updates.next().getRun();
            assertThat(run.getState()).as("the run is still training").isIn(RunState.RUN_STATE_PENDING,
                    RunState.RUN_STATE_RUNNING);
            if (run.getCheckpointsCount() > 0) {
                return run.getStep();
            }
        }
        throw new AssertionError(name + ": the watch ended before a checkpoint");
    }

    private static Run awaitEnd(TrainerServiceBlockingStub trainer, String name) {
        Iterator<WatchRunResponse> updates = trainer.withDeadlineAfter(2, TimeUnit.MINUTES)
                .watchRun(WatchRunRequest.newBuilder().setName(name).build());
        Run last = null;
        while (updates.hasNext()) {
            last = updates.next().getRun();
        }
        return last;
    }

    /**
     * The step losses of a run's executions from the runs topic, one map per RunStarted, up to its
     * RunFinished: what any subscriber of the topic sees.
     */
    static List<Map<Long, Double>> losses(String runId) {
        EventDecoder decoder = EventDecoder.of(RunStarted.getDefaultInstance(),
                RunMetricsReported.getDefaultInstance(), RunFinished.getDefaultInstance());
        List<Map<Long, Double>> executions = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : KeyedEvents.readUntil(mesh.plan.bootstrapServers(), Topics.RUNS,
                runId, r -> decoder.decode(r).filter(RunFinished.class::isInstance).isPresent(),
                Duration.ofMinutes(1))) {
            Message event = decoder.decode(record).orElse(null);
            if (event instanceof RunStarted) {
                executions.add(new TreeMap<>());
            } else if (event instanceof RunMetricsReported metrics) {
                for (StepMetrics m : metrics.getMetricsList()) {
                    executions.get(executions.size() - 1).put(m.getStep(), m.getLoss());
                }
            }
        }
        return executions;
    }

    static TrainerServiceBlockingStub trainer() {
        return TrainerServiceGrpc.newBlockingStub(mesh.channel(MeshService.TRAINER));
    }
}
