package io.optimesh.coordinator.execution;

import com.google.protobuf.TextFormat;

import io.optimesh.coordinator.pruning.LossForecast;
import io.optimesh.coordinator.search.ScheduleRanker;
import io.optimesh.coordinator.pruning.PruneDecision;
import io.optimesh.coordinator.pruning.Pruner;
import io.optimesh.coordinator.pruning.Pruners;
import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.coordinator.search.RunSpecMapping;
import io.optimesh.coordinator.search.Sampler;
import io.optimesh.coordinator.search.Samplers;
import io.optimesh.coordinator.study.Studies;
import io.optimesh.coordinator.study.StudyAggregate;
import io.optimesh.coordinator.study.StudyException;
import io.optimesh.coordinator.study.StudyLogException;
import io.optimesh.coordinator.study.StudyNames;
import io.optimesh.coordinator.study.StudySpecs;
import io.optimesh.coordinator.study.Times;
import io.optimesh.coordinator.study.TrialStates;
import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Study;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudyResumed;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialProgressReported;
import io.optimesh.v1.TrialStarted;
import io.optimesh.v1.TrialState;

import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs studies: proposes trials with the study's sampler, trains each as a run through a {@link
 * TrialExecutor}, records every step as a study event, and ends the study when its budget is spent.
 *
 * <p>All it decides, it decides from the study's state, which only events change. After a restart
 * it therefore carries on from the replayed log: a trial the log shows running is followed again, a
 * trial proposed but not yet started is started with the same request id (so a run the trainer
 * already began is found, not trained twice), and the next proposal is the one the sampler would
 * have made anyway.
 *
 * <p>A study with a pruner asks it about a trial each time the trial reports a new intermediate
 * loss; a trial it prunes has its run stopped and ends PRUNED, with the pruner's reason and its
 * last reported loss. A run found stopped after a restart, which this coordinator did not stop, is
 * PRUNED if the pruner, asked again on the recorded reports, prunes it.
 */
public final class StudyRunner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StudyRunner.class);

    /**
     * @param defaultMaxRetries retries of a failed trial when a study asks for the default
     * @param gridPointsPerAxis resolution of the grid sampler
     * @param tickInterval how often every study is re-examined (wall-time budgets, lost tasks)
     * @param retryBackoff wait between attempts when the trainer is unreachable
     */
    public record Settings(
            int defaultMaxRetries,
            int gridPointsPerAxis,
            Duration tickInterval,
            Duration retryBackoff) {}

    private final Studies studies;
    private final TrialExecutor executor;
    private final Clock clock;
    private final Settings settings;
    private final ExecutorService trialThreads;
    private final ScheduledExecutorService ticker;
    private final Optional<LossForecast> forecasts;
    private final Optional<ScheduleRanker> ranker;
    private final ConcurrentMap<String, Sampler> samplers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Optional<Pruner>> pruners = new ConcurrentHashMap<>();

    /** Runs stopped because their trial was pruned, with the pruner's reason. */
    private final ConcurrentMap<String, String> pruneReasons = new ConcurrentHashMap<>();

    /** Trials with a task working on them; at most one task per trial. */
    private final Set<String> liveTrials = ConcurrentHashMap.newKeySet();

    /** Runs this coordinator asked to stop, as opposed to runs stopped behind its back. */
    private final Set<String> stopRequested = ConcurrentHashMap.newKeySet();

    private volatile boolean running;

    public StudyRunner(Studies studies, TrialExecutor executor, Clock clock, Settings settings) {
        this(studies, executor, clock, settings, Optional.empty(), Optional.empty());
    }

    /**
     * @param forecasts law-svc's forecasts of final losses, which law-based pruning needs; studies
     *     asking for PRUNER_LAW are refused without them
     * @param ranker law-svc's ranking of schedules, which law-informed sampling needs; studies
     *     asking for SAMPLER_LAW_INFORMED are refused without it
     */
    public StudyRunner(
            Studies studies,
            TrialExecutor executor,
            Clock clock,
            Settings settings,
            Optional<LossForecast> forecasts,
            Optional<ScheduleRanker> ranker) {
        this.forecasts = forecasts;
        this.ranker = ranker;
        this.studies = studies;
        this.executor = executor;
        this.clock = clock;
        this.settings = settings;
        this.trialThreads = Executors.newCachedThreadPool(daemonThreads("trial"));
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemonThreads("study-ticker"));
    }

    /** Takes up every known study (after the log was replayed) and starts the periodic check. */
    public void start() {
        running = true;
        for (String id : studies.ids()) {
            reconcile(id);
        }
        long tick = settings.tickInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops taking decisions and interrupts the trial tasks. Nothing is recorded: the runs go on on
     * the trainer, and the next start follows them again.
     */
    @Override
    public void close() {
        running = false;
        ticker.shutdownNow();
        trialThreads.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            trialThreads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // Commands.

    /**
     * Creates a study and starts it, or returns the study created earlier with the same request id.
     *
     * @throws StudyException INVALID_ARGUMENT with field violations, ALREADY_EXISTS, UNAVAILABLE
     */
    public Study create(String requestId, String studyId, StudySpec spec) {
        List<FieldViolation> violations = new ArrayList<>();
        if (requestId.length() > 128) {
            violations.add(new FieldViolation("request_id", "at most 128 characters"));
        }
        if (!studyId.isEmpty() && !StudyNames.STUDY_ID.matcher(studyId).matches()) {
            violations.add(
                    new FieldViolation(
                            "study_id",
                            "must be at most 63 characters matching ^[a-z0-9][a-z0-9-]*$"));
        }
        violations.addAll(
                StudySpecs.validate(
                        spec,
                        settings.gridPointsPerAxis(),
                        forecasts.isPresent(),
                        ranker.isPresent()));
        if (!violations.isEmpty()) {
            throw StudyException.invalid("INVALID_STUDY_SPEC", violations);
        }
        String id = studyId.isEmpty() ? newStudyId() : studyId;
        Study study =
                Study.newBuilder()
                        .setName(StudyNames.studyName(id))
                        .setSpec(StudySpecs.normalize(spec, settings.defaultMaxRetries()))
                        .setState(StudyState.STUDY_STATE_RUNNING)
                        .setRequestId(requestId)
                        .build();
        Studies.Created created = logged(() -> studies.create(study));
        String createdId = StudyNames.studyId(created.study().getName());
        if (created.isNew()) {
            LOG.infof(
                    "%s created: %s",
                    created.study().getName(), describe(created.study().getSpec()));
        }
        reconcile(createdId);
        return studies.locked(createdId, StudyAggregate::study);
    }

    /**
     * Stops a running study: no new trials; running trials are asked to stop and end STOPPED.
     * Stopping a stopped study changes nothing.
     *
     * @throws StudyException NOT_FOUND, FAILED_PRECONDITION for a study that has ended
     */
    public Study stop(String studyId) {
        Study study = logged(() -> studies.locked(studyId, this::stopLocked));
        reconcile(studyId);
        return study;
    }

    private Study stopLocked(StudyAggregate s) {
        if (s.state() == StudyState.STUDY_STATE_RUNNING) {
            Study stopped =
                    s.study().toBuilder()
                            .setState(StudyState.STUDY_STATE_STOPPED)
                            .setStateReason("stopped by request")
                            .build();
            studies.record(s.id(), StudyEnded.newBuilder().setStudy(stopped).build());
            stopRunsOf(s);
        } else if (s.state() != StudyState.STUDY_STATE_STOPPED) {
            throw StudyException.wrongState(
                    "STUDY_ENDED",
                    s.name(),
                    s.name() + " has already ended (" + s.state() + "): nothing to stop");
        }
        return s.study();
    }

    /**
     * Resumes a stopped study: its stopped trials train again as new attempts, and new trials are
     * proposed while the budget lasts. Resuming a running study changes nothing.
     *
     * @throws StudyException NOT_FOUND, FAILED_PRECONDITION for a study that has ended
     */
    public Study resume(String studyId) {
        logged(() -> studies.locked(studyId, this::resumeLocked));
        reconcile(studyId);
        return studies.locked(studyId, StudyAggregate::study);
    }

    private Study resumeLocked(StudyAggregate s) {
        if (s.state() == StudyState.STUDY_STATE_STOPPED) {
            studies.record(s.id(), StudyResumed.newBuilder().setStudy(s.name()).build());
        } else if (s.state() != StudyState.STUDY_STATE_RUNNING) {
            throw StudyException.wrongState(
                    "STUDY_ENDED",
                    s.name(),
                    s.name() + " has ended (" + s.state() + "); only a stopped study resumes");
        }
        return s.study();
    }

    // Scheduling.

    private void tick() {
        for (String id : studies.ids()) {
            reconcile(id);
        }
    }

    /**
     * Brings one study forward: ends it when its budget is spent, fills its free parallel slots
     * (stopped trials first, then new proposals), and makes sure every trial in flight has a task.
     */
    void reconcile(String studyId) {
        if (!running) {
            return;
        }
        try {
            studies.locked(
                    studyId,
                    study -> {
                        if (study.state() == StudyState.STUDY_STATE_RUNNING) {
                            Optional<String> limit =
                                    StudyBudgets.hardLimitReached(study, clock.instant());
                            if (limit.isPresent()) {
                                end(study, limit.get());
                            } else {
                                schedule(study);
                            }
                        }
                        for (Trial t : study.trials()) {
                            if (TrialStates.active(t.getState())) {
                                launch(study.id(), t.getName());
                            }
                        }
                        return null;
                    });
        } catch (StudyLogException e) {
            LOG.warnf(
                    "%s: the study log refused an event (%s); trying again on the next tick",
                    StudyNames.studyName(studyId), e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: scheduling failed", StudyNames.studyName(studyId));
        }
    }

    private void schedule(StudyAggregate study) {
        List<Trial> trials = study.trials();
        int occupied = 0;
        for (Trial t : trials) {
            if (TrialStates.active(t.getState()) || liveTrials.contains(t.getName())) {
                occupied++;
            }
        }
        int free = study.spec().getParallelism() - occupied;
        for (Trial t : trials) {
            if (free > 0
                    && t.getState() == TrialState.TRIAL_STATE_STOPPED
                    && !liveTrials.contains(t.getName())) {
                launch(study.id(), t.getName());
                free--;
            }
        }
        boolean exhausted = false;
        while (free > 0 && StudyBudgets.mayPropose(study)) {
            Optional<Map<String, ParameterValue>> proposal =
                    sampler(study).propose(study.trialCount(), study.trials());
            if (proposal.isEmpty()) {
                exhausted = true;
                break;
            }
            Trial trial =
                    Trial.newBuilder()
                            .setName(study.nextTrialName())
                            .putAllParameters(proposal.get())
                            .setState(TrialState.TRIAL_STATE_PENDING)
                            .setCreateTime(Times.toProto(clock.instant()))
                            .build();
            studies.record(study.id(), TrialCreated.newBuilder().setTrial(trial).build());
            launch(study.id(), trial.getName());
            free--;
        }
        boolean inFlight =
                study.trials().stream()
                        .anyMatch(
                                t ->
                                        TrialStates.active(t.getState())
                                                || t.getState() == TrialState.TRIAL_STATE_STOPPED
                                                || liveTrials.contains(t.getName()));
        if (!inFlight && (exhausted || !StudyBudgets.mayPropose(study))) {
            end(study, exhausted ? "search space covered" : "max_trials reached");
        }
    }

    /** Ends a running study: SUCCEEDED when some trial succeeded, FAILED otherwise. */
    private void end(StudyAggregate study, String why) {
        boolean anySucceeded = study.best().isPresent();
        String reason = why;
        if (anySucceeded) {
            Trial best = study.best().get();
            reason += "; best " + best.getName() + " at " + best.getObjectiveValue();
        } else {
            reason += "; no trial succeeded (" + tally(study.trials()) + ")";
        }
        Study ended =
                study.study().toBuilder()
                        .setState(
                                anySucceeded
                                        ? StudyState.STUDY_STATE_SUCCEEDED
                                        : StudyState.STUDY_STATE_FAILED)
                        .setStateReason(reason)
                        .build();
        studies.record(study.id(), StudyEnded.newBuilder().setStudy(ended).build());
        stopRunsOf(study);
        samplers.remove(study.id());
        pruners.remove(study.id());
        LOG.infof("%s ended %s: %s", study.name(), ended.getState(), reason);
    }

    private Sampler sampler(StudyAggregate study) {
        return samplers.computeIfAbsent(
                study.id(),
                id -> Samplers.create(study.spec(), settings.gridPointsPerAxis(), ranker));
    }

    private Optional<Pruner> pruner(StudyAggregate study) {
        return pruners.computeIfAbsent(study.id(), id -> Pruners.create(study.spec(), forecasts));
    }

    private void launch(String studyId, String trialName) {
        if (!running || !liveTrials.add(trialName)) {
            return;
        }
        try {
            trialThreads.execute(() -> runTrial(studyId, trialName));
        } catch (RejectedExecutionException e) {
            liveTrials.remove(trialName);
        }
    }

    // One trial.

    private void runTrial(String studyId, String trialName) {
        try {
            new TrialTask(studyId, trialName).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (StudyLogException e) {
            if (running) {
                LOG.warnf(
                        "%s: the study log refused an event (%s); taken up again on the next tick",
                        trialName, e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: unexpected failure; taken up again on the next tick", trialName);
        } finally {
            liveTrials.remove(trialName);
        }
        reconcile(studyId);
    }

    /** Drives one trial from its current state to an end: start, follow, retry, record. */
    private final class TrialTask {
        private final String studyId;
        private final String trialName;

        /** Tokens trained by attempts of this task that failed and were retried. */
        private long retriedTokens;

        TrialTask(String studyId, String trialName) {
            this.studyId = studyId;
            this.trialName = trialName;
        }

        void run() throws InterruptedException {
            while (running) {
                Snapshot s = snapshot();
                Trial t = s.trial();
                try {
                    switch (t.getState()) {
                        case TRIAL_STATE_PENDING, TRIAL_STATE_STOPPED -> {
                            if (!s.studyRunning()) {
                                if (t.getState() == TrialState.TRIAL_STATE_PENDING) {
                                    end(
                                            TrialOutcome.ended(
                                                    TrialState.TRIAL_STATE_STOPPED,
                                                    0,
                                                    "the study stopped before the trial started"));
                                }
                                return;
                            }
                            startAttempt(s.spec(), t, t.getAttempt() + 1);
                        }
                        case TRIAL_STATE_RUNNING -> {
                            if (!s.studyRunning()) {
                                requestStop(t.getRun());
                            }
                            String run = t.getRun();
                            TrialOutcome outcome =
                                    executor.follow(
                                            run, (step, loss) -> reportProgress(run, step, loss));
                            if (outcome.state() == TrialState.TRIAL_STATE_FAILED
                                    && t.getAttempt() <= s.spec().getMaxRetries()
                                    && snapshot().studyRunning()) {
                                LOG.infof(
                                        "%s: attempt %d (%s) failed: %s; retrying",
                                        trialName, t.getAttempt(), run, outcome.reason());
                                retriedTokens += outcome.computeTokens();
                                // A prune decision concerned the failed attempt's run only.
                                pruneReasons.remove(run);
                                startAttempt(s.spec(), t, t.getAttempt() + 1);
                            } else {
                                end(stoppedOutside(run, pruned(run, outcome)));
                                return;
                            }
                        }
                        default -> {
                            return;
                        }
                    }
                } catch (TrialExecutionException e) {
                    if (!e.retryable()) {
                        end(TrialOutcome.ended(TrialState.TRIAL_STATE_FAILED, 0, e.getMessage()));
                        return;
                    }
                    if (!snapshot().studyRunning()
                            && t.getState() == TrialState.TRIAL_STATE_RUNNING) {
                        end(
                                TrialOutcome.ended(
                                        TrialState.TRIAL_STATE_STOPPED,
                                        0,
                                        "the study stopped while the trainer was unreachable: "
                                                + e.getMessage()));
                        return;
                    }
                    LOG.warnf(
                            "%s: %s; trying again in %s",
                            trialName, e.getMessage(), settings.retryBackoff());
                    Thread.sleep(settings.retryBackoff().toMillis());
                }
            }
        }

        private Snapshot snapshot() {
            return studies.locked(
                    studyId,
                    s ->
                            new Snapshot(
                                    s.state() == StudyState.STUDY_STATE_RUNNING,
                                    s.trial(trialName).orElseThrow(),
                                    s.spec()));
        }

        private void startAttempt(StudySpec spec, Trial t, int attempt)
                throws TrialExecutionException {
            RunSpec runSpec =
                    RunSpecMapping.apply(
                            spec.getBaseRun(),
                            spec.getObjective(),
                            t.getParametersMap(),
                            t.getName());
            String run = executor.start(requestId(t.getName(), attempt), runSpec);
            studies.record(
                    studyId,
                    TrialStarted.newBuilder()
                            .setTrial(t.getName())
                            .setRun(run)
                            .setAttempt(attempt)
                            .build());
            LOG.infof("%s: attempt %d trains as %s", t.getName(), attempt, run);
        }

        private void reportProgress(String run, long step, double loss) {
            Optional<PruneDecision> decision =
                    studies.locked(
                            studyId,
                            s -> {
                                Trial current = s.trial(trialName).orElseThrow();
                                if (current.getState() != TrialState.TRIAL_STATE_RUNNING
                                        || !current.getRun().equals(run)
                                        || step <= StudyAggregate.lastReportedStep(current)) {
                                    return Optional.<PruneDecision>empty();
                                }
                                studies.record(
                                        studyId,
                                        TrialProgressReported.newBuilder()
                                                .setTrial(trialName)
                                                .setValue(
                                                        IntermediateValue.newBuilder()
                                                                .setStep(step)
                                                                .setValue(loss))
                                                .build());
                                if (s.state() != StudyState.STUDY_STATE_RUNNING) {
                                    return Optional.<PruneDecision>empty();
                                }
                                return pruner(s).map(
                                                p ->
                                                        p.decide(
                                                                s.trial(trialName).orElseThrow(),
                                                                s.trials()));
                            });
            if (decision.isPresent() && decision.get().pruned()) {
                LOG.infof("%s: pruned at step %d: %s", trialName, step, decision.get().reason());
                pruneReasons.put(run, decision.get().reason());
                requestStop(run);
            }
        }

        /**
         * A run stopped because its trial was pruned ends the trial PRUNED at its last reported
         * loss. After a restart this coordinator no longer knows which runs it stopped for that, so
         * a stopped run it did not ask to stop is put to the pruner again.
         */
        private TrialOutcome pruned(String run, TrialOutcome outcome) {
            String reason = pruneReasons.remove(run);
            if (outcome.state() != TrialState.TRIAL_STATE_STOPPED) {
                return outcome;
            }
            if (reason == null && !stopRequested.contains(run)) {
                reason =
                        studies.locked(
                                studyId,
                                s ->
                                        pruner(s).map(
                                                        p ->
                                                                p.decide(
                                                                        s.trial(trialName)
                                                                                .orElseThrow(),
                                                                        s.trials()))
                                                .filter(PruneDecision::pruned)
                                                .map(PruneDecision::reason)
                                                .orElse(null));
            }
            if (reason == null) {
                return outcome;
            }
            stopRequested.remove(run);
            Trial t = snapshot().trial();
            OptionalDouble last =
                    t.getIntermediateValuesCount() == 0
                            ? OptionalDouble.empty()
                            : OptionalDouble.of(
                                    t.getIntermediateValues(t.getIntermediateValuesCount() - 1)
                                            .getValue());
            return new TrialOutcome(
                    TrialState.TRIAL_STATE_PRUNED, last, outcome.computeTokens(), reason);
        }

        /** A run the coordinator did not ask to stop counts as failed, not as resumable. */
        private TrialOutcome stoppedOutside(String run, TrialOutcome outcome) {
            boolean askedToStop = stopRequested.remove(run);
            if (outcome.state() == TrialState.TRIAL_STATE_STOPPED && !askedToStop) {
                return TrialOutcome.ended(
                        TrialState.TRIAL_STATE_FAILED,
                        outcome.computeTokens(),
                        run + " was stopped outside the study");
            }
            return outcome;
        }

        private void end(TrialOutcome outcome) {
            studies.locked(
                    studyId,
                    s -> {
                        Trial current = s.trial(trialName).orElseThrow();
                        Trial.Builder ended =
                                current.toBuilder()
                                        .setState(outcome.state())
                                        .setStateReason(outcome.reason())
                                        .setComputeTokens(
                                                current.getComputeTokens()
                                                        + retriedTokens
                                                        + outcome.computeTokens())
                                        .setEndTime(Times.toProto(clock.instant()));
                        if (outcome.objective().isPresent()) {
                            ended.setObjectiveValue(outcome.objective().getAsDouble());
                        } else {
                            ended.clearObjectiveValue();
                        }
                        studies.record(studyId, TrialEnded.newBuilder().setTrial(ended).build());
                        LOG.infof(
                                "%s ended %s%s",
                                trialName,
                                outcome.state(),
                                outcome.objective().isPresent()
                                        ? " at " + outcome.objective().getAsDouble()
                                        : ": " + outcome.reason());
                        return null;
                    });
        }
    }

    private record Snapshot(boolean studyRunning, Trial trial, StudySpec spec) {}

    /** Asks the trainer, off the study's lock, to stop every run of the study still training. */
    private void stopRunsOf(StudyAggregate study) {
        for (Trial t : study.trials()) {
            if (t.getState() == TrialState.TRIAL_STATE_RUNNING) {
                String run = t.getRun();
                try {
                    trialThreads.execute(() -> requestStop(run));
                } catch (RejectedExecutionException e) {
                    // Shutting down: the next start stops it, since the study is no longer running.
                }
            }
        }
    }

    private void requestStop(String run) {
        stopRequested.add(run);
        try {
            executor.stop(run);
        } catch (TrialExecutionException e) {
            LOG.warnf("could not stop %s: %s", run, e.getMessage());
        }
    }

    /**
     * The request id of one attempt of a trial: a retried call finds the run, never trains twice.
     */
    static String requestId(String trialName, int attempt) {
        return trialName + "/attempts/" + attempt;
    }

    private static String newStudyId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static <T> T logged(Supplier<T> command) {
        try {
            return command.get();
        } catch (StudyLogException e) {
            throw StudyException.logUnavailable(e.getMessage());
        }
    }

    private static String tally(List<Trial> trials) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Trial t : trials) {
            String state = t.getState().name().substring("TRIAL_STATE_".length()).toLowerCase();
            counts.merge(state, 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((state, n) -> parts.add(n + " " + state));
        return String.join(", ", parts);
    }

    private static String describe(StudySpec spec) {
        List<String> names = new ArrayList<>();
        spec.getSearchSpace().getParametersList().forEach(p -> names.add(p.getName()));
        return spec.getSampler()
                + " over "
                + names
                + ", budget {"
                + TextFormat.printer()
                        .emittingSingleLine(true)
                        .printToString(spec.getBudget())
                        .trim()
                + "}, parallelism "
                + spec.getParallelism();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
