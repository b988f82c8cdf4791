package io.optimesh.coordinator.execution;

import io.optimesh.v1.RunSpec;
import io.optimesh.v1.TrialState;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Trials on a known objective instead of a trainer: a run's validation loss follows an analytic
 * curve of its learning rate and weight decay, so tests can tell exactly which trial must win. Runs
 * progress with wall time whether or not anyone follows them, start is idempotent on the request
 * id, and stopped runs stay stopped — the parts of a trainer's contract the runner relies on.
 */
public class AnalyticTrialExecutor implements TrialExecutor {

    /** The learning rate with the lowest final loss. */
    public static final double BEST_LEARNING_RATE = 3e-3;

    /** Runs with a higher peak learning rate diverge a third of the way through. */
    public static final double DIVERGENCE_LEARNING_RATE = 0.05;

    static final double INITIAL_LOSS = 5.5;
    static final int EVALUATIONS = 4;

    private volatile Duration runDuration;
    private final Map<String, SimulatedRun> byRequestId = new ConcurrentHashMap<>();
    private final Map<String, SimulatedRun> byName = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> startCalls = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private final AtomicInteger runsCreated = new AtomicInteger();
    private volatile Predicate<String> failRequest = requestId -> false;

    public AnalyticTrialExecutor(Duration runDuration) {
        this.runDuration = runDuration;
    }

    /** Final validation loss: a bowl in log10(lr) around 3e-3, plus a weight-decay penalty. */
    public static double finalLoss(RunSpec spec) {
        double x = Math.log10(spec.getSchedule().getPeakLr() / BEST_LEARNING_RATE);
        double wd = spec.getOptimizer().getWeightDecay() - 0.1;
        return 1.6 + 0.35 * x * x + 0.5 * wd * wd;
    }

    /** Validation loss at a step of a run that does not diverge. */
    static double lossAt(RunSpec spec, long step) {
        double remaining = 1.0 - (double) step / spec.getSteps();
        return finalLoss(spec) + (INITIAL_LOSS - finalLoss(spec)) * remaining * remaining;
    }

    /** How long runs started from now on take. */
    public void runDuration(Duration duration) {
        this.runDuration = duration;
    }

    /** Runs started under request ids this predicate accepts fail half-way. */
    public void failRequests(Predicate<String> predicate) {
        this.failRequest = predicate;
    }

    @Override
    public String start(String requestId, RunSpec spec) {
        startCalls.computeIfAbsent(requestId, k -> new AtomicInteger()).incrementAndGet();
        SimulatedRun run =
                byRequestId.computeIfAbsent(
                        requestId,
                        id -> {
                            SimulatedRun r =
                                    new SimulatedRun(
                                            "runs/r" + runsCreated.incrementAndGet(),
                                            spec,
                                            System.nanoTime(),
                                            runDuration,
                                            failRequest.test(id));
                            byName.put(r.name, r);
                            return r;
                        });
        return run.name;
    }

    @Override
    public TrialOutcome follow(String name, EvaluationListener listener)
            throws InterruptedException, TrialExecutionException {
        SimulatedRun run = byName.get(name);
        if (run == null) {
            throw new TrialExecutionException("no run " + name, false, null);
        }
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        try {
            long steps = run.spec.getSteps();
            long evalEvery = steps / EVALUATIONS;
            // Failing runs fail half-way; diverging ones blow up a third of the way.
            long endsAt = run.fails ? steps / 2 : run.diverges() ? steps / 3 : steps;
            long reported = 0;
            while (true) {
                long step = Math.min(endsAt, run.step());
                for (long s = reported + evalEvery; s <= step; s += evalEvery) {
                    listener.evaluated(s, lossAt(run.spec, s));
                    reported = s;
                }
                long tokens = step * run.spec.getBatchSize() * run.spec.getSequenceLength();
                if (step == endsAt && run.fails) {
                    return TrialOutcome.ended(TrialState.TRIAL_STATE_FAILED, tokens, "worker lost");
                }
                if (step == endsAt && run.diverges()) {
                    return TrialOutcome.ended(
                            TrialState.TRIAL_STATE_DIVERGED, tokens, "loss is NaN at step " + step);
                }
                if (step == endsAt) {
                    return TrialOutcome.succeeded(finalLoss(run.spec), tokens);
                }
                if (run.stoppedAt >= 0) {
                    return TrialOutcome.ended(
                            TrialState.TRIAL_STATE_STOPPED, tokens, "stopped on request");
                }
                Thread.sleep(5);
            }
        } finally {
            running.decrementAndGet();
        }
    }

    @Override
    public void stop(String name) {
        SimulatedRun run = byName.get(name);
        if (run != null && run.stoppedAt < 0) {
            run.stoppedAt = run.step();
        }
    }

    /** How often start was called with this request id. */
    public int startCalls(String requestId) {
        AtomicInteger n = startCalls.get(requestId);
        return n == null ? 0 : n.get();
    }

    /** Distinct runs ever created: each one trained once. */
    public int runsCreated() {
        return runsCreated.get();
    }

    /** The most runs followed at the same time. */
    public int maxConcurrentlyFollowed() {
        return maxRunning.get();
    }

    private final class SimulatedRun {
        final String name;
        final RunSpec spec;
        final long startNanos;
        final Duration duration;
        final boolean fails;
        volatile long stoppedAt = -1;

        SimulatedRun(String name, RunSpec spec, long startNanos, Duration duration, boolean fails) {
            this.name = name;
            this.spec = spec;
            this.startNanos = startNanos;
            this.duration = duration;
            this.fails = fails;
        }

        /** Steps trained so far: the run covers its steps in runDuration, then holds. */
        long step() {
            if (stoppedAt >= 0) {
                return stoppedAt;
            }
            double progress = (double) (System.nanoTime() - startNanos) / duration.toNanos();
            return Math.min(spec.getSteps(), (long) (progress * spec.getSteps()));
        }

        boolean diverges() {
            return spec.getSchedule().getPeakLr() > DIVERGENCE_LEARNING_RATE;
        }
    }
}
