package io.optimesh.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.DatasetSpec;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunState;
import io.optimesh.v1.RunStopped;
import io.optimesh.v1.Schedule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer restarted on the checkpoint root of an earlier one gets its runs back: ended runs as
 * they were, runs the dead process was training as STOPPED at their latest checkpoint, and those
 * resume to the losses an uninterrupted run has.
 */
class RunManagerRecoveryTest {

    private static final RunPlanner PLANNER = new RunPlanner(new RunDefaults("cpu", 2, 5, 3, 3.0));

    /** Events in the order the manager sends them (the interface's contract is just that order). */
    private static final class RecordedEvents implements RunEvents {
        final List<Message> events = new ArrayList<>();

        @Override
        public synchronized void publish(String runId, Message event) {
            events.add(event);
        }

        @Override
        public void drain(Duration timeout) {
            // Nothing is queued: publish records at once.
        }

        synchronized List<Message> all() {
            return List.copyOf(events);
        }
    }

    private static RunSpec spec(long steps, long checkpointInterval) {
        return RunSpec.newBuilder()
                .setModelPreset("tiny")
                .setSteps(steps)
                .setBatchSize(4)
                .setSequenceLength(16)
                .setSeed(11)
                .setCheckpointInterval(checkpointInterval)
                .setKeepLastCheckpoints(10)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1)
                        .setGradientClipNorm(1.0))
                .setSchedule(Schedule.newBuilder().setTotalSteps(steps).setPeakLr(3e-3)
                        .setConstant(ConstantFamily.getDefaultInstance()))
                .build();
    }

    private static RunManager manager(Path root, RunEvents events) {
        return new RunManager(PLANNER, root, events, new SimpleMeterRegistry(), 4, Duration.ofSeconds(30), List.of());
    }

    private static Run awaitEnd(RunManager manager, String name) throws Exception {
        CompletableFuture<Run> ended = new CompletableFuture<>();
        manager.watch(name, u -> {
            if (u.last()) {
                ended.complete(u.run());
            }
        });
        return ended.get(60, TimeUnit.SECONDS);
    }

    private static Map<Long, Double> losses(List<Message> events) {
        Map<Long, Double> losses = new TreeMap<>();
        events.stream().filter(RunMetricsReported.class::isInstance)
                .flatMap(e -> ((RunMetricsReported) e).getMetricsList().stream())
                .forEach(m -> losses.put(m.getStep(), m.getLoss()));
        return losses;
    }

    @Test
    void aRunTheDeadTrainerWasTrainingComesBackStoppedAndResumesToTheUninterruptedLosses(@TempDir Path root)
            throws Exception {
        RecordedEvents firstEvents = new RecordedEvents();
        RunManager first = manager(root, firstEvents);
        Run created = first.create("request-1", "crashed", spec(20, 10));
        Run uninterrupted = awaitEnd(first, created.getName());
        assertThat(uninterrupted.getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(uninterrupted.getCheckpointsList()).extracting(c -> c.getStep()).containsExactly(10L, 20L);
        Map<Long, Double> expected = losses(firstEvents.all());
        assertThat(expected).hasSize(20);
        first.shutdown(Duration.ofSeconds(5), Duration.ofSeconds(1));

        // What a kill -9 at step 15 leaves: the record saying RUNNING, and the checkpoint of step 10.
        Path runDir = root.resolve("crashed");
        deleteRecursively(runDir.resolve("step-000000020"));
        new RunRecords(root).save("crashed", uninterrupted.toBuilder().setState(RunState.RUN_STATE_RUNNING)
                .setStateReason("").setStep(15).build());

        RecordedEvents secondEvents = new RecordedEvents();
        RunManager second = manager(root, secondEvents);
        Run recovered = second.get(created.getName());
        assertThat(recovered.getState()).isEqualTo(RunState.RUN_STATE_STOPPED);
        assertThat(recovered.getStateReason()).contains("trainer restarted", "RUNNING at step 15",
                "resumes from step 10");
        assertThat(recovered.getStep()).isEqualTo(10);
        assertThat(recovered.getCheckpointsList()).extracting(c -> c.getStep()).containsExactly(10L);
        assertThat(recovered.getSpec()).isEqualTo(created.getSpec());
        assertThat(recovered.getCreateTime()).isEqualTo(created.getCreateTime());
        assertThat(secondEvents.all()).singleElement().isInstanceOfSatisfying(RunStopped.class,
                e -> assertThat(e.getRun().getName()).isEqualTo(created.getName()));
        assertThat(second.list(10, "").runs()).extracting(Run::getName).containsExactly(created.getName());
        // The request id still names the run, so a retried CreateRun does not start another.
        assertThat(second.create("request-1", "", spec(20, 10)).getName()).isEqualTo(created.getName());

        second.resume(created.getName());
        Run resumed = awaitEnd(second, created.getName());
        assertThat(resumed.getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(resumed.getStep()).isEqualTo(20);
        Map<Long, Double> resumedLosses = losses(secondEvents.all());
        assertThat(resumedLosses.keySet()).containsExactlyElementsOf(
                Stream.iterate(10L, s -> s + 1).limit(10).toList());
        resumedLosses.forEach((step, loss) ->
                assertThat(loss).as("loss at step %d", step).isCloseTo(expected.get(step), org.assertj.core.data.Offset.offset(1e-5)));
        second.shutdown(Duration.ofSeconds(5), Duration.ofSeconds(1));

        // The resumed run's end is recorded too: a third trainer sees it SUCCEEDED, as it is.
        RunManager third = manager(root, new RecordedEvents());
        Run again = third.get(created.getName());
        assertThat(again.getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED);
        assertThat(again.getStep()).isEqualTo(20);
        assertThat(again.getLatestMetrics().getStep()).isEqualTo(19);
        third.shutdown(Duration.ofSeconds(5), Duration.ofSeconds(1));
    }

    @Test
    void pendingRunsComeBackStoppedUnplannableOnesFailedAndUnreadableRecordsAreSkipped(@TempDir Path root)
            throws IOException {
        RunRecords records = new RunRecords(root);
        Run pending = Run.newBuilder().setName("runs/waiting").setSpec(spec(5, 0))
                .setState(RunState.RUN_STATE_PENDING).setCreateTime(Protos.timestamp(java.time.Instant.ofEpochSecond(100)))
                .build();
        Run lostData = Run.newBuilder().setName("runs/lost-data")
                .setSpec(spec(5, 0).toBuilder().setDataset(DatasetSpec.newBuilder()
                        .setPath(root.resolve("gone.txt").toString())))
                .setState(RunState.RUN_STATE_RUNNING).setStep(3)
                .setCreateTime(Protos.timestamp(java.time.Instant.ofEpochSecond(200)))
                .build();
        records.save("waiting", pending);
        records.save("lost-data", lostData);
        Files.createDirectories(root.resolve("garbled"));
        Files.writeString(root.resolve("garbled").resolve(RunRecords.FILE), "name: \"runs/garbled\" state: NOT_A_STATE",
                StandardCharsets.UTF_8);

        RecordedEvents events = new RecordedEvents();
        RunManager manager = manager(root, events);
        try {
            assertThat(manager.list(10, "").runs()).extracting(Run::getName)
                    .containsExactly("runs/lost-data", "runs/waiting");
            Run waiting = manager.get("runs/waiting");
            assertThat(waiting.getState()).isEqualTo(RunState.RUN_STATE_STOPPED);
            assertThat(waiting.getStep()).isZero();
            assertThat(waiting.getStateReason()).contains("trainer restarted while the run was PENDING");
            Run failed = manager.get("runs/lost-data");
            assertThat(failed.getState()).isEqualTo(RunState.RUN_STATE_FAILED);
            assertThat(failed.getStateReason()).contains("RUNNING at step 3", "no longer plans", "spec.dataset.path");
            assertThat(failed.getStep()).isZero();
            assertThat(events.all()).extracting(m -> m.getClass().getSimpleName())
                    .containsExactly("RunStopped", "RunFailed");
        } finally {
            manager.shutdown(Duration.ofSeconds(5), Duration.ofSeconds(1));
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
