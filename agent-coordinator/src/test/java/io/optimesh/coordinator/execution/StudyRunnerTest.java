package io.optimesh.coordinator.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Message;

import io.optimesh.coordinator.search.RunSpecMapping;
import io.optimesh.coordinator.study.InMemoryStudyEventLog;
import io.optimesh.coordinator.study.Studies;
import io.optimesh.coordinator.study.StudyAggregate;
import io.optimesh.coordinator.study.StudyException;
import io.optimesh.coordinator.study.StudySpecs;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.Pruner;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Sampler;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Study;
import io.optimesh.v1.StudyBudget;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialProgressReported;
import io.optimesh.v1.TrialStarted;
import io.optimesh.v1.TrialState;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

class StudyRunnerTest {

    static final RunSpec BASE =
            RunSpec.newBuilder()
                    .setModelPreset("tiny")
                    .setSteps(100)
                    .setBatchSize(8)
                    .setSequenceLength(64)
                    .setOptimizer(
                            OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1))
                    .setSchedule(
                            Schedule.newBuilder()
                                    .setTotalSteps(100)
                                    .setPeakLr(1e-3)
                                    .setMinLr(1e-4)
                                    .setCosine(CosineFamily.getDefaultInstance()))
                    .build();

    static StudySpec lrSearch(int maxTrials, int parallelism) {
        return StudySpec.newBuilder()
                .setSearchSpace(
                        SearchSpace.newBuilder()
                                .addParameters(
                                        SearchParameter.newBuilder()
                                                .setName("learning_rate")
                                                .setFloatDomain(
                                                        FloatDomain.newBuilder()
                                                                .setMin(1e-4)
                                                                .setMax(0.3)
                                                                .setLog(true))))
                .setBudget(StudyBudget.newBuilder().setMaxTrials(maxTrials))
                .setParallelism(parallelism)
                .setBaseRun(BASE)
                .setSeed(2026)
                .build();
    }

    private static final StudyRunner.Settings SETTINGS =
            new StudyRunner.Settings(1, 3, Duration.ofMillis(50), Duration.ofMillis(20));

    private final InMemoryStudyEventLog log = new InMemoryStudyEventLog();
    private final Clock clock = Clock.systemUTC();
    private final List<StudyRunner> runners = new ArrayList<>();

    private StudyRunner runner(Studies studies, TrialExecutor executor) {
        StudyRunner r = new StudyRunner(studies, executor, clock, SETTINGS);
        runners.add(r);
        r.start();
        return r;
    }

    @AfterEach
    void closeRunners() {
        runners.forEach(StudyRunner::close);
    }

    private static Study awaitStudy(Studies studies, String id, Predicate<StudyAggregate> condition)
            throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            if (studies.locked(id, condition::test)) {
                return studies.locked(id, StudyAggregate::study);
            }
            Thread.sleep(10);
        }
        throw new AssertionError(
                "timed out; study is " + studies.locked(id, StudyAggregate::study));
    }

    private static double decadesFromOptimum(Trial t) {
        return Math.abs(Math.log10(lr(t) / AnalyticTrialExecutor.BEST_LEARNING_RATE));
    }

    private static double lr(Trial t) {
        return t.getParametersOrThrow("learning_rate").getFloatValue();
    }

    @Test
    void aRandomSearchFindsTheBestLearningRateAndRecordsEveryStep() throws Exception {
        Studies studies = new Studies(log, clock);
        AnalyticTrialExecutor trainer = new AnalyticTrialExecutor(Duration.ofMillis(80));
        StudyRunner runner = runner(studies, trainer);
        StudySpec spec = lrSearch(10, 3);

        Study created = runner.create("req-1", "lr-sweep", spec);
        assertThat(created.getName()).isEqualTo("studies/lr-sweep");
        Study done = awaitStudy(studies, "lr-sweep", StudyAggregate::settled);

        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        assertThat(done.getStateReason()).startsWith("max_trials reached");
        List<Trial> trials = studies.locked("lr-sweep", StudyAggregate::trials);
        assertThat(trials).hasSize(10);
        for (Trial t : trials) {
            RunSpec run =
                    RunSpecMapping.apply(
                            BASE, spec.getObjective(), t.getParametersMap(), t.getName());
            if (lr(t) > AnalyticTrialExecutor.DIVERGENCE_LEARNING_RATE) {
                assertThat(t.getState()).isEqualTo(TrialState.TRIAL_STATE_DIVERGED);
                assertThat(t.hasObjectiveValue()).isFalse();
                assertThat(t.getStateReason()).contains("NaN");
            } else {
                assertThat(t.getState()).isEqualTo(TrialState.TRIAL_STATE_SUCCEEDED);
                // The objective is the run's final validation loss, exactly.
                assertThat(t.getObjectiveValue()).isEqualTo(AnalyticTrialExecutor.finalLoss(run));
                assertThat(t.getIntermediateValuesList())
                        .hasSize(AnalyticTrialExecutor.EVALUATIONS);
                assertThat(t.getComputeTokens()).isEqualTo(100L * 8 * 64);
            }
            assertThat(t.getAttempt()).isEqualTo(1);
            assertThat(trainer.startCalls(t.getName() + "/attempts/1")).isEqualTo(1);
        }
        assertThat(trials).anyMatch(t -> t.getState() == TrialState.TRIAL_STATE_DIVERGED);
        Trial closestToOptimum =
                trials.stream()
                        .filter(t -> lr(t) <= AnalyticTrialExecutor.DIVERGENCE_LEARNING_RATE)
                        .min(Comparator.comparingDouble(StudyRunnerTest::decadesFromOptimum))
                        .orElseThrow();
        assertThat(done.getBestTrial().getName()).isEqualTo(closestToOptimum.getName());
        assertThat(trainer.runsCreated()).isEqualTo(10);
        assertThat(trainer.maxConcurrentlyFollowed()).isBetween(2, 3);

        // The log tells the whole story, in order.
        List<Message> events = log.events("lr-sweep");
        assertThat(events.get(0)).isInstanceOf(StudyCreated.class);
        assertThat(events.get(events.size() - 1)).isInstanceOf(StudyEnded.class);
        for (Trial t : trials) {
            List<String> kinds =
                    events.stream()
                            .filter(e -> concerns(e, t.getName()))
                            .map(e -> e.getDescriptorForType().getName())
                            .toList();
            assertThat(kinds.get(0)).isEqualTo("TrialCreated");
            assertThat(kinds.get(1)).isEqualTo("TrialStarted");
            assertThat(kinds.get(kinds.size() - 1)).isEqualTo("TrialEnded");
            assertThat(kinds.subList(2, kinds.size() - 1)).containsOnly("TrialProgressReported");
        }
        // And replaying it rebuilds the same study.
        Studies rebuilt = log.replayInto(new Studies(log, clock));
        assertThat(rebuilt.locked("lr-sweep", StudyAggregate::study)).isEqualTo(done);
        assertThat(rebuilt.locked("lr-sweep", StudyAggregate::trials)).isEqualTo(trials);
    }

    private static boolean concerns(Message e, String trial) {
        if (e instanceof TrialCreated c) {
            return c.getTrial().getName().equals(trial);
        } else if (e instanceof TrialStarted s) {
            return s.getTrial().equals(trial);
        } else if (e instanceof TrialProgressReported p) {
            return p.getTrial().equals(trial);
        } else if (e instanceof TrialEnded d) {
            return d.getTrial().getName().equals(trial);
        }
        return false;
    }

    @Test
    void aFailedRunIsRetriedUnderANewRequestIdUpToTheLimit() throws Exception {
        Studies studies = new Studies(log, clock);
        AnalyticTrialExecutor trainer = new AnalyticTrialExecutor(Duration.ofMillis(60));
        // Trial 2 fails once; trial 3 fails every time.
        trainer.failRequests(
                id ->
                        id.equals("studies/retry/trials/2/attempts/1")
                                || id.startsWith("studies/retry/trials/3/"));
        StudyRunner runner = runner(studies, trainer);
        StudySpec spec = lrSearch(4, 2).toBuilder().setMaxRetries(1).build();

        runner.create("", "retry", spec);
        Study done = awaitStudy(studies, "retry", StudyAggregate::settled);

        Trial second =
                studies.locked("retry", s -> s.trial("studies/retry/trials/2")).orElseThrow();
        Trial third = studies.locked("retry", s -> s.trial("studies/retry/trials/3")).orElseThrow();
        assertThat(second.getAttempt()).isEqualTo(2);
        assertThat(second.getState())
                .isIn(TrialState.TRIAL_STATE_SUCCEEDED, TrialState.TRIAL_STATE_DIVERGED);
        assertThat(third.getAttempt()).isEqualTo(2);
        assertThat(third.getState()).isEqualTo(TrialState.TRIAL_STATE_FAILED);
        assertThat(third.getStateReason()).isEqualTo("worker lost");
        // Both attempts' tokens count: each failed half-way.
        assertThat(third.getComputeTokens()).isEqualTo(2 * 50L * 8 * 64);
        assertThat(trainer.startCalls("studies/retry/trials/3/attempts/1")).isEqualTo(1);
        assertThat(trainer.startCalls("studies/retry/trials/3/attempts/2")).isEqualTo(1);
        assertThat(trainer.startCalls("studies/retry/trials/3/attempts/3")).isZero();
        assertThat(done.getTrialsTotal()).isEqualTo(4);
    }

    @Test
    void aRestartedCoordinatorFinishesTheStudyWithoutTrainingATrialTwice() throws Exception {
        AnalyticTrialExecutor trainer = new AnalyticTrialExecutor(Duration.ofMillis(300));
        Studies before = new Studies(log, clock);
        StudyRunner first = runner(before, trainer);
        first.create("req-9", "crash", lrSearch(7, 3));
        awaitStudy(before, "crash", s -> s.trialCount() >= 4);
        // As a kill would: the tasks stop where they are and record nothing more.
        first.close();

        Studies after = log.replayInto(new Studies(log, clock));
        runner(after, trainer);
        Study done = awaitStudy(after, "crash", StudyAggregate::settled);

        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        List<Trial> trials = after.locked("crash", StudyAggregate::trials);
        assertThat(trials).hasSize(7).allMatch(t -> t.getAttempt() == 1);
        assertThat(trainer.runsCreated()).isEqualTo(7);
        assertThat(trials.stream().map(Trial::getRun).distinct()).hasSize(7);

        // The restart proposed exactly what an uninterrupted study with the same seed proposes.
        Studies reference = new Studies(new InMemoryStudyEventLog(), clock);
        runner(reference, new AnalyticTrialExecutor(Duration.ofMillis(10)))
                .create("", "crash", lrSearch(7, 3));
        awaitStudy(reference, "crash", StudyAggregate::settled);
        assertThat(trials)
                .extracting(Trial::getParametersMap)
                .containsExactlyElementsOf(
                        reference.locked("crash", StudyAggregate::trials).stream()
                                .map(Trial::getParametersMap)
                                .toList());
    }

    @Test
    void aStoppedStudyStopsItsTrialsAndAResumedOneRetrainsThem() throws Exception {
        Studies studies = new Studies(log, clock);
        AnalyticTrialExecutor trainer = new AnalyticTrialExecutor(Duration.ofMillis(2000));
        StudyRunner runner = runner(studies, trainer);
        runner.create("", "pause", lrSearch(3, 2));
        awaitStudy(
                studies,
                "pause",
                s ->
                        s.trials().stream()
                                        .filter(t -> t.getState() == TrialState.TRIAL_STATE_RUNNING)
                                        .count()
                                == 2);

        Study stopped = runner.stop("pause");
        assertThat(stopped.getState()).isEqualTo(StudyState.STUDY_STATE_STOPPED);
        assertThat(runner.stop("pause").getState()).isEqualTo(StudyState.STUDY_STATE_STOPPED);
        Study settled = awaitStudy(studies, "pause", StudyAggregate::settled);
        assertThat(settled.getTrialsTotal()).isEqualTo(2);
        List<Trial> interrupted = studies.locked("pause", StudyAggregate::trials);
        assertThat(interrupted).allMatch(t -> t.getState() == TrialState.TRIAL_STATE_STOPPED);
        assertThat(interrupted).allMatch(t -> t.getComputeTokens() < 100L * 8 * 64);

        trainer.runDuration(Duration.ofMillis(60));
        assertThat(runner.resume("pause").getState()).isEqualTo(StudyState.STUDY_STATE_RUNNING);
        Study done = awaitStudy(studies, "pause", StudyAggregate::settled);
        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        List<Trial> trials = studies.locked("pause", StudyAggregate::trials);
        assertThat(trials).hasSize(3);
        assertThat(trials.subList(0, 2)).allMatch(t -> t.getAttempt() == 2);
        assertThat(trials.get(2).getAttempt()).isEqualTo(1);

        assertThatThrownBy(() -> runner.stop("pause"))
                .isInstanceOfSatisfying(
                        StudyException.class,
                        e ->
                                assertThat(e.kind())
                                        .isEqualTo(StudyException.Kind.FAILED_PRECONDITION));
        assertThatThrownBy(() -> runner.resume("pause"))
                .isInstanceOfSatisfying(
                        StudyException.class,
                        e ->
                                assertThat(e.kind())
                                        .isEqualTo(StudyException.Kind.FAILED_PRECONDITION));
    }

    private static StudySpec ashaSearch(int maxTrials, int parallelism) {
        return lrSearch(maxTrials, parallelism).toBuilder()
                .setPruner(Pruner.PRUNER_ASHA)
                .setBaseRun(BASE.toBuilder().setEvalInterval(25))
                .build();
    }

    @Test
    void anAshaStudyStopsTrialsBehindTheirRungAndRecordsThemPruned() throws Exception {
        Studies studies = new Studies(log, clock);
        AnalyticTrialExecutor trainer = new AnalyticTrialExecutor(Duration.ofMillis(150));
        StudyRunner runner = runner(studies, trainer);
        runner.create("req-asha", "asha", ashaSearch(12, 1));
        Study done = awaitStudy(studies, "asha", StudyAggregate::settled);

        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        List<Trial> trials = studies.locked("asha", StudyAggregate::trials);
        assertThat(trials).hasSize(12);
        List<Trial> pruned =
                trials.stream().filter(t -> t.getState() == TrialState.TRIAL_STATE_PRUNED).toList();
        // Rungs at steps 25 and 75 (eval interval 25, eta 3): with the trials one at a time,
        // every trial behind the best of the ones before it at a rung is pruned there.
        assertThat(pruned).hasSizeGreaterThanOrEqualTo(4);
        long fullRun = 100L * 8 * 64;
        for (Trial t : pruned) {
            assertThat(t.getStateReason()).startsWith("successive halving: loss");
            assertThat(t.getIntermediateValuesCount()).isBetween(1, 3);
            assertThat(t.getObjectiveValue())
                    .isEqualTo(
                            t.getIntermediateValues(t.getIntermediateValuesCount() - 1)
                                    .getValue());
            assertThat(t.getComputeTokens()).isLessThan(fullRun);
        }
        // The best learning rate has the lowest loss at every step, so it is never pruned.
        Trial closestToOptimum =
                trials.stream()
                        .filter(t -> lr(t) <= AnalyticTrialExecutor.DIVERGENCE_LEARNING_RATE)
                        .min(Comparator.comparingDouble(StudyRunnerTest::decadesFromOptimum))
                        .orElseThrow();
        assertThat(closestToOptimum.getState()).isEqualTo(TrialState.TRIAL_STATE_SUCCEEDED);
        assertThat(done.getBestTrial().getName()).isEqualTo(closestToOptimum.getName());
        assertThat(done.getComputeTokens()).isLessThan(12 * fullRun * 3 / 4);
        // The log carries each pruning, and replaying it rebuilds the same trials.
        assertThat(log.events("asha"))
                .filteredOn(e -> e instanceof TrialEnded)
                .map(e -> ((TrialEnded) e).getTrial().getState())
                .filteredOn(state -> state == TrialState.TRIAL_STATE_PRUNED)
                .hasSize(pruned.size());
        Studies rebuilt = log.replayInto(new Studies(log, clock));
        assertThat(rebuilt.locked("asha", StudyAggregate::trials)).isEqualTo(trials);
    }

    @Test
    void aRunStoppedForPruningBeforeACrashEndsPrunedAfterTheRestart() throws Exception {
        AnalyticTrialExecutor trainer = new AnalyticTrialExecutor(Duration.ofSeconds(5));
        StudySpec spec = StudySpecs.normalize(ashaSearch(4, 1), 1);
        Studies before = new Studies(log, clock);
        before.create(
                Study.newBuilder()
                        .setName("studies/crash-prune")
                        .setSpec(spec)
                        .setState(StudyState.STUDY_STATE_RUNNING)
                        .build());
        double[] lrs = {3e-3, 1e-3, 1e-2, 1e-4};
        String lastRun = "";
        for (int i = 0; i < lrs.length; i++) {
            String name = "studies/crash-prune/trials/" + (i + 1);
            Trial trial =
                    Trial.newBuilder()
                            .setName(name)
                            .putParameters(
                                    "learning_rate",
                                    ParameterValue.newBuilder().setFloatValue(lrs[i]).build())
                            .setState(TrialState.TRIAL_STATE_PENDING)
                            .build();
            RunSpec run =
                    RunSpecMapping.apply(
                            spec.getBaseRun(), spec.getObjective(), trial.getParametersMap(), name);
            String runName = trainer.start(StudyRunner.requestId(name, 1), run);
            before.record("crash-prune", TrialCreated.newBuilder().setTrial(trial).build());
            before.record(
                    "crash-prune",
                    TrialStarted.newBuilder().setTrial(name).setRun(runName).setAttempt(1).build());
            before.record(
                    "crash-prune",
                    TrialProgressReported.newBuilder()
                            .setTrial(name)
                            .setValue(
                                    IntermediateValue.newBuilder()
                                            .setStep(25)
                                            .setValue(AnalyticTrialExecutor.lossAt(run, 25)))
                            .build());
            if (i < 3) {
                Trial ended =
                        before.locked("crash-prune", s -> s.trial(name).orElseThrow()).toBuilder()
                                .setState(TrialState.TRIAL_STATE_SUCCEEDED)
                                .setObjectiveValue(AnalyticTrialExecutor.finalLoss(run))
                                .build();
                before.record("crash-prune", TrialEnded.newBuilder().setTrial(ended).build());
            }
            lastRun = runName;
        }
        // The coordinator stopped the fourth run for pruning and died before recording it.
        trainer.stop(lastRun);

        Studies after = log.replayInto(new Studies(log, clock));
        runner(after, trainer);
        Study done = awaitStudy(after, "crash-prune", StudyAggregate::settled);

        Trial fourth = after.locked("crash-prune", s -> s.trial("studies/crash-prune/trials/4"))
                .orElseThrow();
        assertThat(fourth.getState()).isEqualTo(TrialState.TRIAL_STATE_PRUNED);
        assertThat(fourth.getStateReason())
                .startsWith("successive halving: loss")
                .contains("rung 0 (step 25)")
                .contains("4 trials");
        assertThat(fourth.getObjectiveValue())
                .isEqualTo(fourth.getIntermediateValues(0).getValue());
        assertThat(trainer.runsCreated()).isEqualTo(4);
        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        assertThat(done.getBestTrial().getName()).isEqualTo("studies/crash-prune/trials/1");
    }

    @Test
    void aGridStudyEndsOnceTheGridIsCovered() throws Exception {
        Studies studies = new Studies(log, clock);
        StudyRunner runner = runner(studies, new AnalyticTrialExecutor(Duration.ofMillis(20)));
        runner.create(
                "", "grid", lrSearch(10, 2).toBuilder().setSampler(Sampler.SAMPLER_GRID).build());
        Study done = awaitStudy(studies, "grid", StudyAggregate::settled);
        // Three points per axis in these settings: 1e-4, 5.5e-3, 0.3 (which diverges).
        assertThat(done.getTrialsTotal()).isEqualTo(3);
        assertThat(done.getStateReason()).startsWith("search space covered");
        List<Double> lrs =
                studies.locked("grid", StudyAggregate::trials).stream()
                        .map(StudyRunnerTest::lr)
                        .sorted()
                        .toList();
        assertThat(lrs.get(0)).isEqualTo(1e-4);
        assertThat(lrs.get(1)).isCloseTo(Math.sqrt(1e-4 * 0.3), within(1e-15));
        assertThat(lrs.get(2)).isEqualTo(0.3);
    }

    @Test
    void aSpentWallTimeBudgetEndsTheStudyAndStopsItsTrials() throws Exception {
        Studies studies = new Studies(log, clock);
        StudyRunner runner = runner(studies, new AnalyticTrialExecutor(Duration.ofSeconds(30)));
        StudySpec spec =
                lrSearch(0, 2).toBuilder()
                        .setBudget(StudyBudget.newBuilder().setMaxWallSeconds(1))
                        .build();
        runner.create("", "clock", spec);
        Study done = awaitStudy(studies, "clock", StudyAggregate::settled);
        assertThat(done.getState()).isEqualTo(StudyState.STUDY_STATE_FAILED);
        assertThat(done.getStateReason())
                .startsWith("wall-time budget spent")
                .contains("no trial succeeded");
        assertThat(studies.locked("clock", StudyAggregate::trials))
                .hasSize(2)
                .allMatch(t -> t.getState() == TrialState.TRIAL_STATE_STOPPED);
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsRecorded() {
        StudyRunner runner =
                runner(new Studies(log, clock), new AnalyticTrialExecutor(Duration.ofMillis(10)));
        StudySpec emptySpace =
                lrSearch(4, 1).toBuilder().setSearchSpace(SearchSpace.getDefaultInstance()).build();
        assertThatThrownBy(() -> runner.create("", "", emptySpace))
                .isInstanceOfSatisfying(
                        StudyException.class,
                        e -> {
                            assertThat(e.kind()).isEqualTo(StudyException.Kind.INVALID_ARGUMENT);
                            assertThat(e.reason()).isEqualTo("INVALID_STUDY_SPEC");
                            assertThat(e.violations())
                                    .extracting(v -> v.field())
                                    .containsExactly("spec.search_space.parameters");
                        });
        assertThatThrownBy(() -> runner.create("", "Not_An_Id", lrSearch(4, 1)))
                .isInstanceOfSatisfying(
                        StudyException.class,
                        e ->
                                assertThat(e.violations())
                                        .extracting(v -> v.field())
                                        .containsExactly("study_id"));
        assertThat(log.entries()).isEmpty();
    }
}
