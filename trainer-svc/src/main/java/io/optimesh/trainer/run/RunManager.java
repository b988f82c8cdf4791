package io.optimesh.trainer.run;

import ai.djl.engine.Engine;
import com.google.protobuf.Message;
import io.grpc.Channel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.optimesh.core.optim.remote.RemoteOptimizer;
import io.optimesh.trainer.checkpoint.CheckpointStore;
import io.optimesh.trainer.checkpoint.Retention;
import io.optimesh.trainer.data.Corpus;
import io.optimesh.trainer.model.Torch;
import io.optimesh.trainer.training.CheckpointSink;
import io.optimesh.trainer.training.Evaluation;
import io.optimesh.trainer.training.StepMetrics;
import io.optimesh.trainer.training.TrainingListener;
import io.optimesh.trainer.training.TrainingOutcome;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.CheckpointSaved;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunDiverged;
import io.optimesh.v1.RunEvaluated;
import io.optimesh.v1.RunFailed;
import io.optimesh.v1.RunFinished;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunStarted;
import io.optimesh.v1.RunState;
import io.optimesh.v1.RunStopped;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Runs, from CreateRun to their end: checks specs before any work starts, queues runs and trains
 * them one at a time, in FIFO order, on a single worker thread (DJL allows one gradient collector
 * per process), tracks their state, tells watchers, and sends their events in order.
 *
 * <p>Each run lives in memory and on disk under {@code <checkpointRoot>/<id>/}: its checkpoints and
 * its record ({@link RunRecords}), rewritten at every change. At startup the manager recovers the
 * runs recorded there; a run that was pending or running when the previous process died comes back
 * STOPPED (resumable from its latest checkpoint). Each run's state changes under its own lock, which
 * also orders its events, records and watcher updates.
 */
public final class RunManager {

    private static final Logger LOG = Logger.getLogger(RunManager.class);

    /** States a run does not leave on its own; watching ends there. */
    public static final Set<RunState> TERMINAL =
            EnumSet.of(RunState.RUN_STATE_SUCCEEDED, RunState.RUN_STATE_STOPPED, RunState.RUN_STATE_DIVERGED,
                    RunState.RUN_STATE_FAILED);

    private static final Set<RunState> RESUMABLE = EnumSet.of(RunState.RUN_STATE_STOPPED, RunState.RUN_STATE_FAILED);
    private static final String NAME_PREFIX = "runs/";
    private static final String PAGE_TOKEN_PREFIX = "before:";
    private static final int DEFAULT_PAGE_SIZE = 50;

    private final RunPlanner planner;
    private final Path checkpointRoot;
    private final RunRecords records;
    private final RunEvents events;
    private final List<? extends Channel> optimizerReplicas;
    private final int maxQueuedRuns;
    private final Duration stopWait;
    private final ExecutorService worker;
    private final Map<String, Entry> runs = new ConcurrentHashMap<>();
    private final Map<String, String> runIdsByRequestId = new HashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final Counter stepsTrained;
    private final Counter tokensTrained;
    private final AtomicReference<Double> tokensPerSecond = new AtomicReference<>(0.0);
    private volatile boolean shuttingDown;

    /**
     * @param checkpointRoot runs' checkpoints go to {@code <checkpointRoot>/<run id>/}
     * @param maxQueuedRuns runs that may wait PENDING at once
     * @param stopWait how long {@link #stop} waits for a running run to reach a step boundary
     * @param optimizerReplicas optimizer-svc's replicas, in shard order, for runs placing their
     *     optimizer there (the planner's defaults must count them)
     * @throws java.io.UncheckedIOException when the recorded runs cannot be listed
     */
    public RunManager(RunPlanner planner, Path checkpointRoot, RunEvents events, MeterRegistry meters,
            int maxQueuedRuns, Duration stopWait, List<? extends Channel> optimizerReplicas) {
        this.planner = planner;
        this.checkpointRoot = checkpointRoot.toAbsolutePath().normalize();
        this.records = new RunRecords(this.checkpointRoot);
        this.events = events;
        this.optimizerReplicas = List.copyOf(optimizerReplicas);
        this.maxQueuedRuns = maxQueuedRuns;
        this.stopWait = stopWait;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "trainer-runs");
            thread.setDaemon(true);
            return thread;
        });
        for (RunState state : RunState.values()) {
            if (state != RunState.UNRECOGNIZED && state != RunState.RUN_STATE_UNSPECIFIED) {
                Gauge.builder("optimesh.trainer.runs", this, m -> m.count(state))
                        .description("Runs in this trainer by state")
                        .tag("state", state.name().substring("RUN_STATE_".length()).toLowerCase())
                        .register(meters);
            }
        }
        stepsTrained = Counter.builder("optimesh.trainer.steps").description("Optimizer steps trained")
                .register(meters);
        tokensTrained = Counter.builder("optimesh.trainer.tokens").description("Training tokens consumed")
                .baseUnit("tokens").register(meters);
        Gauge.builder("optimesh.trainer.tokens.per.second", tokensPerSecond, AtomicReference::get)
                .description("Training throughput of the running run's latest step; 0 when idle")
                .register(meters);
        recover();
        // The first run should not pay for loading the native library and the Europarl corpus.
        worker.execute(RunManager::warmUp);
    }

    /**
     * Takes back the runs recorded under the checkpoint root, oldest first. A run that was PENDING
     * or RUNNING had its process die under it: it becomes STOPPED at its latest checkpoint (the
     * steps after it are lost), with its RunStopped event, and ResumeRun continues it; or FAILED
     * (with RunFailed) when its spec no longer plans, its data file being gone, say.
     */
    private void recover() {
        List<Run> recorded = new ArrayList<>(records.load());
        recorded.sort(Comparator.comparing((Run r) -> Protos.instant(r.getCreateTime())).thenComparing(Run::getName));
        for (Run run : recorded) {
            String id = run.getName().substring(NAME_PREFIX.length());
            RunPlan plan = null;
            String planProblem = "";
            try {
                plan = planner.plan(run.getSpec());
            } catch (RuntimeException e) {
                planProblem = e.getMessage();
            }
            Entry entry = new Entry(id, sequence.incrementAndGet(), plan, storeOf(id, plan), run);
            List<CheckpointRef> checkpoints = entry.store.list().stream()
                    .map(c -> Protos.checkpointRef(c, entry.name)).toList();
            long resumeStep = checkpoints.isEmpty() ? 0 : checkpoints.get(checkpoints.size() - 1).getStep();
            RunState state = run.getState();
            synchronized (entry) {
                UnaryOperator<Run.Builder> onDisk = b -> b.setStep(resumeStep).clearCheckpoints()
                        .addAllCheckpoints(checkpoints);
                String interrupted = "the trainer restarted while the run was "
                        + state.name().substring("RUN_STATE_".length()) + " at step " + run.getStep();
                if (TERMINAL.contains(state)) {
                    // Ended runs stay as they ended; only their checkpoint list is refreshed from disk.
                    entry.update(b -> b.clearCheckpoints().addAllCheckpoints(checkpoints), List.of());
                } else if (plan == null) {
                    String reason = interrupted + ", and its spec no longer plans: " + planProblem;
                    entry.finish(RunState.RUN_STATE_FAILED, reason, onDisk,
                            r -> RunFailed.newBuilder().setRun(r).setReason(reason).build());
                } else {
                    entry.finish(RunState.RUN_STATE_STOPPED, interrupted + "; it resumes from step " + resumeStep,
                            onDisk, r -> RunStopped.newBuilder().setRun(r).build());
                }
            }
            runs.put(id, entry);
            if (!run.getRequestId().isEmpty()) {
                runIdsByRequestId.put(run.getRequestId(), id);
            }
            LOG.infof("Recovered %s: %s (%s)", entry.name, entry.run.getState(), entry.run.getStateReason());
        }
    }

    private CheckpointStore storeOf(String id, RunPlan plan) {
        // Without a plan the store only lists what is there; retention applies when a plan trains.
        Retention retention = plan == null ? Retention.keepAll() : new Retention(plan.keepLastCheckpoints(), true);
        return new CheckpointStore(checkpointRoot.resolve(id), retention,
                snapshots -> RemoteOptimizer.deleteSnapshots(optimizerReplicas, snapshots));
    }

    private static void warmUp() {
        try {
            Engine.getEngine(Torch.ENGINE);
            Corpus.europarl();
        } catch (RuntimeException e) {
            LOG.warn("Warm-up failed; the first run will report the problem", e);
        }
    }

    /**
     * Creates a run and queues it. A {@code requestId} seen before returns that request's run.
     *
     * @param runId the run's id, or "" to generate one
     * @throws InvalidRequestException for problems with the spec's fields
     * @throws RunException when the run cannot be accepted (id taken, queue full, device missing, …)
     */
    public Run create(String requestId, String runId, RunSpec spec) {
        synchronized (this) {
            if (!requestId.isEmpty() && runIdsByRequestId.containsKey(requestId)) {
                return runs.get(runIdsByRequestId.get(requestId)).snapshot();
            }
            refuseWhenShuttingDown();
            String id = runId.isEmpty() ? newId() : runId;
            if (runs.containsKey(id)) {
                throw new RunException(RunException.Problem.ALREADY_EXISTS, "RESOURCE_ALREADY_EXISTS",
                        NAME_PREFIX + id + " already exists", Map.of("resource", NAME_PREFIX + id));
            }
            refuseWhenQueueFull();
            RunPlan plan = planner.plan(spec);
            Instant now = Instant.now();
            Run run = Run.newBuilder()
                    .setName(NAME_PREFIX + id)
                    .setSpec(spec)
                    .setState(RunState.RUN_STATE_PENDING)
                    .setModel(Protos.modelInfo(plan.model()))
                    .setDevice(plan.device().toString())
                    .setRequestId(requestId)
                    .setCreateTime(Protos.timestamp(now))
                    .setUpdateTime(Protos.timestamp(now))
                    .build();
            Entry entry = new Entry(id, sequence.incrementAndGet(), plan, storeOf(id, plan), run);
            entry.record();
            runs.put(id, entry);
            if (!requestId.isEmpty()) {
                runIdsByRequestId.put(requestId, id);
            }
            worker.execute(() -> execute(entry));
            LOG.infof("Created %s: %s, %d steps on %s", run.getName(), spec.getModelPreset(), spec.getSteps(),
                    run.getDevice());
            return run;
        }
    }

    /** The run of that name ({@code runs/<id>}). */
    public Run get(String name) {
        return entry(name).snapshot();
    }

    /**
     * Runs, newest first.
     *
     * @param pageSize at most this many (0: the default of 50)
     * @param pageToken "" for the first page, else a token from the previous page
     * @throws IllegalArgumentException for a token this manager did not issue
     */
    public RunPage list(int pageSize, String pageToken) {
        long before = pageToken.isEmpty() ? Long.MAX_VALUE : sequenceOf(pageToken);
        int size = pageSize > 0 ? pageSize : DEFAULT_PAGE_SIZE;
        List<Entry> older = runs.values().stream()
                .filter(e -> e.sequence < before)
                .sorted(Comparator.comparingLong((Entry e) -> e.sequence).reversed())
                .toList();
        List<Entry> page = older.subList(0, Math.min(size, older.size()));
        String next = older.size() > size ? pageToken(page.get(page.size() - 1).sequence) : "";
        return new RunPage(page.stream().map(Entry::snapshot).toList(), next);
    }

    /**
     * Stops a run: a pending one at once; a running one after its current step, with a checkpoint
     * at that step (waiting up to the configured stop wait for it). Stopping a stopped run is a no-op.
     *
     * @throws RunException WRONG_STATE when the run has already ended otherwise
     */
    public Run stop(String name) {
        Entry entry = entry(name);
        synchronized (entry) {
            RunState state = entry.run.getState();
            if (state == RunState.RUN_STATE_PENDING) {
                entry.finish(RunState.RUN_STATE_STOPPED, "stopped before it started", b -> b,
                        r -> RunStopped.newBuilder().setRun(r).build());
            } else if (state == RunState.RUN_STATE_RUNNING) {
                entry.requestStop("stopped on request");
                long deadline = System.nanoTime() + stopWait.toNanos();
                while (entry.run.getState() == RunState.RUN_STATE_RUNNING) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(entry, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            } else if (state != RunState.RUN_STATE_STOPPED) {
                throw new RunException(RunException.Problem.WRONG_STATE, "RUN_NOT_RUNNING",
                        name + " is " + state + " and cannot be stopped",
                        Map.of("resource", name, "state", state.name()));
            }
            return entry.run;
        }
    }

    /**
     * Queues a stopped or failed run to continue from its latest checkpoint (from step 0 when it has
     * none), as the same run: same name, spec and step count.
     *
     * @throws RunException WRONG_STATE unless the run is STOPPED or FAILED
     */
    public Run resume(String name) {
        Entry entry = entry(name);
        synchronized (this) {
            refuseWhenShuttingDown();
            synchronized (entry) {
                RunState state = entry.run.getState();
                if (!RESUMABLE.contains(state)) {
                    throw new RunException(RunException.Problem.WRONG_STATE, "RUN_NOT_RESUMABLE",
                            name + " is " + state + "; only STOPPED and FAILED runs resume",
                            Map.of("resource", name, "state", state.name()));
                }
                refuseWhenQueueFull();
                if (entry.plan == null) {
                    entry.plan = planner.plan(entry.run.getSpec());
                    entry.store = storeOf(entry.id, entry.plan);
                }
                entry.resumeNext = true;
                entry.stopRequested = false;
                entry.update(b -> b.setState(RunState.RUN_STATE_PENDING).setStateReason("").clearDivergence(),
                        List.of());
                worker.execute(() -> execute(entry));
                return entry.run;
            }
        }
    }

    /**
     * Tells {@code watcher} the run's state now, then every change (each metrics batch, evaluation,
     * checkpoint and state change) until an update marked last. Updates come on the thread that made
     * the change, one at a time; the watcher must not block.
     *
     * @return cancels the watch
     */
    public Runnable watch(String name, Consumer<RunUpdate> watcher) {
        Entry entry = entry(name);
        synchronized (entry) {
            boolean last = TERMINAL.contains(entry.run.getState());
            watcher.accept(new RunUpdate(entry.run, List.of(), last));
            if (!last) {
                entry.watchers.add(watcher);
            }
        }
        return () -> {
            synchronized (entry) {
                entry.watchers.remove(watcher);
            }
        };
    }

    /**
     * Takes no more work, stops what is pending and asks the running run to stop after its current
     * step (it saves a checkpoint there); returns at once. Watches end as their runs stop.
     */
    public void beginShutdown() {
        synchronized (this) {
            shuttingDown = true;
        }
        for (Entry entry : runs.values()) {
            synchronized (entry) {
                RunState state = entry.run.getState();
                if (state == RunState.RUN_STATE_PENDING) {
                    entry.finish(RunState.RUN_STATE_STOPPED, "the trainer shut down before the run started", b -> b,
                            r -> RunStopped.newBuilder().setRun(r).build());
                } else if (state == RunState.RUN_STATE_RUNNING && !entry.stopRequested) {
                    LOG.infof("Shutting down: stopping %s after its current step", entry.name);
                    entry.requestStop("the trainer shut down");
                }
            }
        }
    }

    /**
     * {@link #beginShutdown()}, then waits up to {@code runWait} for the running run to stop and up
     * to {@code eventsWait} for its events to be handed on.
     */
    public void shutdown(Duration runWait, Duration eventsWait) {
        beginShutdown();
        worker.shutdown();
        try {
            if (!worker.awaitTermination(runWait.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("A run was still training %s after shutdown began", runWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.drain(eventsWait);
    }

    private void execute(Entry entry) {
        boolean resumed;
        synchronized (entry) {
            if (entry.run.getState() != RunState.RUN_STATE_PENDING) {
                return; // stopped while it waited
            }
            resumed = entry.resumeNext;
            entry.update(b -> b.setState(RunState.RUN_STATE_RUNNING), List.of());
            events.publish(entry.id, RunStarted.newBuilder().setRun(entry.run).setResumed(resumed).build());
        }
        LOG.infof("%s %s", resumed ? "Resuming" : "Starting", entry.name);
        TrainingOutcome outcome;
        try {
            outcome = RunExecution.train(entry.plan, entry.store, resumed, new Progress(entry),
                    () -> entry.stopRequested, optimizerReplicas);
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "%s failed", entry.name);
            String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            synchronized (entry) {
                entry.finish(RunState.RUN_STATE_FAILED, reason, b -> b,
                        r -> RunFailed.newBuilder().setRun(r).setReason(reason).build());
            }
            tokensPerSecond.set(0.0);
            if (e instanceof VirtualMachineError) {
                throw e;
            }
            return;
        }
        tokensPerSecond.set(0.0);
        synchronized (entry) {
            long steps = outcome.stepsCompleted();
            switch (outcome.status()) {
                case COMPLETED -> entry.finish(RunState.RUN_STATE_SUCCEEDED, "", b -> b.setStep(steps),
                        r -> RunFinished.newBuilder().setRun(r).build());
                case STOPPED -> entry.finish(RunState.RUN_STATE_STOPPED, entry.stopReason + " at step " + steps,
                        b -> b.setStep(steps), r -> RunStopped.newBuilder().setRun(r).build());
                case DIVERGED -> {
                    var evidence = Protos.divergence(outcome.divergence());
                    entry.finish(RunState.RUN_STATE_DIVERGED, outcome.divergence().describe(),
                            b -> b.setStep(steps).setDivergence(evidence),
                            r -> RunDiverged.newBuilder().setRun(r).setEvidence(evidence).build());
                }
            }
        }
        Run ended = entry.snapshot();
        LOG.infof("%s ended %s after %d steps (%s)", ended.getName(), ended.getState(), outcome.stepsCompleted(),
                outcome.elapsed());
    }

    /** Turns the loop's progress into run state, events and watcher updates. */
    private final class Progress implements TrainingListener {
        private final Entry entry;

        Progress(Entry entry) {
            this.entry = entry;
        }

        @Override
        public void onStepMetrics(List<StepMetrics> batch) {
            List<io.optimesh.v1.StepMetrics> metrics = batch.stream().map(Protos::stepMetrics).toList();
            io.optimesh.v1.StepMetrics latest = metrics.get(metrics.size() - 1);
            synchronized (entry) {
                entry.update(b -> b.setStep(latest.getStep() + 1).setLatestMetrics(latest), metrics);
                events.publish(entry.id, RunMetricsReported.newBuilder()
                        .setRun(entry.name).addAllMetrics(metrics).build());
            }
            stepsTrained.increment(batch.size());
            tokensTrained.increment((double) batch.size() * entry.plan.training().rowsPerStep()
                    * entry.plan.sequenceLength());
            tokensPerSecond.set(latest.getTokensPerSecond());
        }

        @Override
        public void onEvaluation(Evaluation evaluation) {
            io.optimesh.v1.Evaluation proto = Protos.evaluation(evaluation, entry.plan.dataset().validationName());
            synchronized (entry) {
                entry.update(b -> b.setLatestEvaluation(proto), List.of());
                events.publish(entry.id, RunEvaluated.newBuilder().setRun(entry.name)
                        .setEvaluation(proto).build());
            }
        }

        @Override
        public void onCheckpoint(CheckpointSink.Saved saved) {
            List<CheckpointRef> refs = entry.store.list().stream()
                    .map(c -> Protos.checkpointRef(c, entry.name))
                    .toList();
            CheckpointRef ref = refs.stream().filter(r -> r.getStep() == saved.step()).findFirst().orElseThrow();
            synchronized (entry) {
                entry.update(b -> b.clearCheckpoints().addAllCheckpoints(refs), List.of());
                events.publish(entry.id, CheckpointSaved.newBuilder().setRun(entry.name)
                        .setCheckpoint(ref).build());
            }
        }
    }

    /** A run and what the manager keeps beside it. Fields without a comment are guarded by its monitor. */
    private final class Entry {
        final String id;
        final String name;
        final long sequence;
        /** Null for a recovered run whose spec no longer plans; set again by {@link #resume}. */
        RunPlan plan;
        CheckpointStore store;
        final List<Consumer<RunUpdate>> watchers = new ArrayList<>();
        Run run;
        boolean resumeNext;
        String stopReason = "";
        /** Read by the training thread before every step. */
        volatile boolean stopRequested;

        Entry(String id, long sequence, RunPlan plan, CheckpointStore store, Run run) {
            this.id = id;
            this.name = run.getName();
            this.sequence = sequence;
            this.plan = plan;
            this.store = store;
            this.run = run;
        }

        synchronized Run snapshot() {
            return run;
        }

        void requestStop(String reason) {
            stopReason = reason;
            stopRequested = true;
        }

        /** Writes the run's record; a disk that refuses it is logged, the run carries on. */
        void record() {
            try {
                records.save(id, run);
            } catch (UncheckedIOException e) {
                LOG.errorf(e, "%s: its record is not saved; a restart would not see this change", name);
            }
        }

        /**
         * Applies a change, stamps it, records it, tells the watchers and wakes threads waiting on
         * the state.
         */
        void update(UnaryOperator<Run.Builder> change, List<io.optimesh.v1.StepMetrics> metrics) {
            run = change.apply(run.toBuilder()).setUpdateTime(Protos.timestamp(Instant.now())).build();
            record();
            boolean last = TERMINAL.contains(run.getState());
            RunUpdate update = new RunUpdate(run, metrics, last);
            for (Consumer<RunUpdate> watcher : List.copyOf(watchers)) {
                try {
                    watcher.accept(update);
                } catch (RuntimeException e) {
                    LOG.debugf(e, "Dropping a watcher of %s that failed", name);
                    watchers.remove(watcher);
                }
            }
            if (last) {
                watchers.clear();
            }
            notifyAll();
        }

        /** Moves to a terminal state and sends its one terminal event. */
        void finish(RunState state, String reason, UnaryOperator<Run.Builder> change, Function<Run, Message> event) {
            update(b -> change.apply(b.setState(state).setStateReason(reason)), List.of());
            events.publish(id, event.apply(run));
        }
    }

    private Entry entry(String name) {
        Entry entry = name.startsWith(NAME_PREFIX) ? runs.get(name.substring(NAME_PREFIX.length())) : null;
        if (entry == null) {
            throw RunException.notFound(name);
        }
        return entry;
    }

    private long count(RunState state) {
        return runs.values().stream().filter(e -> e.snapshot().getState() == state).count();
    }

    private void refuseWhenShuttingDown() {
        if (shuttingDown) {
            throw new RunException(RunException.Problem.SHUTTING_DOWN, "TRAINER_SHUTTING_DOWN",
                    "the trainer is shutting down and takes no new runs", Map.of());
        }
    }

    private void refuseWhenQueueFull() {
        long pending = count(RunState.RUN_STATE_PENDING);
        if (pending >= maxQueuedRuns) {
            throw new RunException(RunException.Problem.QUEUE_FULL, "RUN_QUEUE_FULL",
                    pending + " runs are already waiting, the most this trainer queues; retry when one has started",
                    Map.of("max_queued_runs", Integer.toString(maxQueuedRuns)));
        }
    }

    private String newId() {
        String id;
        do {
            id = "run-" + UUID.randomUUID().toString().substring(0, 8);
        } while (runs.containsKey(id));
        return id;
    }

    private static String pageToken(long sequence) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PAGE_TOKEN_PREFIX + sequence).getBytes(StandardCharsets.UTF_8));
    }

    private static long sequenceOf(String token) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith(PAGE_TOKEN_PREFIX)) {
                return Long.parseLong(decoded.substring(PAGE_TOKEN_PREFIX.length()));
            }
        } catch (IllegalArgumentException notBase64OrNotANumber) {
            // Same answer as any other token this manager did not issue.
        }
        throw new IllegalArgumentException("not a page token of this list");
    }
}
