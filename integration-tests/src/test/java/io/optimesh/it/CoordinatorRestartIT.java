package io.optimesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.optimesh.cli.ExampleStudy;
import io.optimesh.cli.MeshService;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.KeyedEvents;
import io.optimesh.core.events.Topics;
import io.optimesh.v1.CreateStudyRequest;
import io.optimesh.v1.GetStudyRequest;
import io.optimesh.v1.ListBestTrialsRequest;
import io.optimesh.v1.ListRunsRequest;
import io.optimesh.v1.ListTrialsRequest;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunState;
import io.optimesh.v1.Study;
import io.optimesh.v1.StudyBudget;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudyServiceGrpc;
import io.optimesh.v1.StudyServiceGrpc.StudyServiceBlockingStub;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialStarted;
import io.optimesh.v1.TrialState;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged agent-coordinator and trainer-svc as processes beside a broker. The coordinator is killed
 * with SIGKILL while a study's trials train and started again: it replays the study's log from
 * {@code optimesh.studies.v1} and finishes the study, losing no trial and training none twice.
 */
class CoordinatorRestartIT {

    /** Away from the other integration tests' ports and the defaults. */
    private static final int BASE_PORT = 18480;
    private static final int KAFKA_PORT = 19492;
    private static final int TRIALS = 5;

    private static final PrintWriter OUT = new PrintWriter(System.out, true);
    private static ItMesh mesh;
    /** One channel for every study call; it reconnects on its own to the restarted coordinator. */
    private static ManagedChannel coordinator;

    @BeforeAll
    static void up() throws IOException {
        mesh = ItMesh.up("it-coordinator-restart", List.of(MeshService.AGENT_COORDINATOR, MeshService.TRAINER),
                BASE_PORT, KAFKA_PORT, Duration.ofMinutes(3), OUT);
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            assertThat(mesh.down()).as("every port is free after down").isTrue();
        }
    }

    /** The example study's tiny runs, five trials two at a time. */
    static StudySpec spec() {
        return ExampleStudy.spec().toBuilder()
                .setDisplayName("coordinator restart")
                .setBudget(StudyBudget.newBuilder().setMaxTrials(TRIALS))
                .setParallelism(2)
                .build();
    }

    @Test
    void aCoordinatorKilledMidStudyFinishesItAfterARestartWithNoTrialLostOrTrainedTwice() throws Exception {
        Study study = studies().createStudy(CreateStudyRequest.newBuilder().setRequestId("restart-it")
                .setStudyId("restart").setSpec(spec()).build()).getStudy();
        List<Trial> before = awaitATrainingTrial(study.getName());

        OUT.printf("Killing the coordinator with trials %s%n", before.stream()
                .map(t -> t.getName() + "=" + t.getState()).toList());
        mesh.kill(MeshService.AGENT_COORDINATOR);
        mesh.restart(MeshService.AGENT_COORDINATOR);
        // The create is idempotent on its request id: a client that retries after the crash gets the same study.
        assertThat(studies().createStudy(CreateStudyRequest.newBuilder().setRequestId("restart-it")
                .setStudyId("restart").setSpec(spec()).build()).getStudy().getName()).isEqualTo(study.getName());
        Study ended = awaitEnd(study.getName());
        assertThat(ended.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);

        List<Trial> trials = studies().listTrials(ListTrialsRequest.newBuilder().setParent(study.getName())
                .setPageSize(100).build()).getTrialsList();
        assertThat(trials).as("no trial lost, none added").hasSize(TRIALS);
        assertThat(trials).extracting(Trial::getName).doesNotHaveDuplicates();
        assertThat(trials).allSatisfy(t -> assertThat(t.getState()).isEqualTo(TrialState.TRIAL_STATE_SUCCEEDED));
        // The trials that were training when the coordinator died kept their runs: each trial trained once.
        for (Trial t : before) {
            if (!t.getRun().isEmpty()) {
                Trial after = trials.stream().filter(x -> x.getName().equals(t.getName())).findFirst().orElseThrow();
                assertThat(after.getRun()).as("%s kept its run", t.getName()).isEqualTo(t.getRun());
            }
        }
        List<Run> runs = TrainerServiceGrpc.newBlockingStub(mesh.channel(MeshService.TRAINER))
                .listRuns(ListRunsRequest.newBuilder().setPageSize(1000).build()).getRunsList();
        Map<String, List<Run>> runsByTrial = runs.stream().filter(r -> r.getSpec().getTrial().startsWith(study.getName()))
                .collect(Collectors.groupingBy(r -> r.getSpec().getTrial()));
        assertThat(runsByTrial).as("one run per trial on the trainer").hasSize(TRIALS)
                .allSatisfy((trial, list) -> assertThat(list).as(trial).singleElement()
                        .satisfies(r -> assertThat(r.getState()).isEqualTo(RunState.RUN_STATE_SUCCEEDED)));

        // The log, read by any subscriber: each trial created, started and ended exactly once.
        EventDecoder decoder = EventDecoder.of(TrialCreated.getDefaultInstance(), TrialStarted.getDefaultInstance(),
                TrialEnded.getDefaultInstance(), StudyEnded.getDefaultInstance());
        List<ConsumerRecord<String, byte[]>> records = KeyedEvents.readUntil(mesh.plan.bootstrapServers(), Topics.STUDIES,
                "restart", r -> decoder.decode(r).filter(StudyEnded.class::isInstance).isPresent(),
                Duration.ofMinutes(1));
        Map<Class<?>, Map<String, Long>> perTrial = records.stream().map(r -> decoder.decode(r).orElse(null))
                .filter(e -> e instanceof TrialCreated || e instanceof TrialStarted || e instanceof TrialEnded)
                .collect(Collectors.groupingBy(Object::getClass, Collectors.groupingBy(CoordinatorRestartIT::trialOf,
                        Collectors.counting())));
        for (Class<?> type : List.of(TrialCreated.class, TrialStarted.class, TrialEnded.class)) {
            assertThat(perTrial.get(type)).as(type.getSimpleName()).hasSize(TRIALS)
                    .allSatisfy((trial, count) -> assertThat(count).as("%s of %s", type.getSimpleName(), trial)
                            .isEqualTo(1L));
        }

        Trial best = trials.stream().min(Comparator.comparingDouble(Trial::getObjectiveValue)).orElseThrow();
        assertThat(ended.getBestTrial().getName()).isEqualTo(best.getName());
        assertThat(studies().listBestTrials(ListBestTrialsRequest.newBuilder().setParent(study.getName()).build())
                .getTrialsList()).extracting(Trial::getName).containsExactly(best.getName());
    }

    private static String trialOf(Object event) {
        if (event instanceof TrialCreated c) {
            return c.getTrial().getName();
        }
        if (event instanceof TrialStarted s) {
            return s.getTrial();
        }
        return ((TrialEnded) event).getTrial().getName();
    }

    /** Polls until a trial has a run in training; returns the trials then. */
    private static List<Trial> awaitATrainingTrial(String study) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            List<Trial> trials = studies().listTrials(ListTrialsRequest.newBuilder().setParent(study).build())
                    .getTrialsList();
            if (trials.stream().anyMatch(t -> t.getState() == TrialState.TRIAL_STATE_RUNNING && !t.getRun().isEmpty())) {
                return trials;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no trial of " + study + " started training within 2 minutes");
    }

    private static Study awaitEnd(String study) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline) {
            Study s = studies().getStudy(GetStudyRequest.newBuilder().setName(study).build()).getStudy();
            if (s.getState() != StudyState.STUDY_STATE_RUNNING) {
                return s;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(study + " did not end within 4 minutes of the restart");
    }

    private static StudyServiceBlockingStub studies() {
        if (coordinator == null) {
            coordinator = mesh.channel(MeshService.AGENT_COORDINATOR);
        }
        return StudyServiceGrpc.newBlockingStub(coordinator)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }
}
