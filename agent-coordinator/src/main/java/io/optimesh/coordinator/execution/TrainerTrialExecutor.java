package io.optimesh.coordinator.execution;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.coordinator.config.CoordinatorConfig;
import io.optimesh.v1.CreateRunRequest;
import io.optimesh.v1.GetRunRequest;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.StopRunRequest;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.TrialState;
import io.optimesh.v1.WatchRunRequest;
import io.optimesh.v1.WatchRunResponse;
import io.quarkus.grpc.GrpcClient;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Trials as runs of trainer-svc, over its gRPC API. */
@ApplicationScoped
public class TrainerTrialExecutor implements TrialExecutor {

    /** Failures a later call may not meet: the trainer restarting, busy, or out of reach. */
    private static final Set<Status.Code> RETRYABLE =
            Set.of(
                    Status.Code.UNAVAILABLE,
                    Status.Code.DEADLINE_EXCEEDED,
                    Status.Code.RESOURCE_EXHAUSTED,
                    Status.Code.ABORTED,
                    Status.Code.INTERNAL,
                    Status.Code.UNKNOWN,
                    Status.Code.CANCELLED);

    private final TrainerServiceGrpc.TrainerServiceBlockingStub trainer;
    private final Duration callTimeout;
    private final Duration pollInterval;

    @Inject
    public TrainerTrialExecutor(
            @GrpcClient("trainer") TrainerServiceGrpc.TrainerServiceBlockingStub trainer,
            CoordinatorConfig config) {
        this(trainer, config.trainer().callTimeout(), config.trainer().pollInterval());
    }

    TrainerTrialExecutor(
            TrainerServiceGrpc.TrainerServiceBlockingStub trainer,
            Duration callTimeout,
            Duration pollInterval) {
        this.trainer = trainer;
        this.callTimeout = callTimeout;
        this.pollInterval = pollInterval;
    }

    @Override
    public String start(String requestId, RunSpec spec) throws TrialExecutionException {
        try {
            return unary().createRun(
                            CreateRunRequest.newBuilder()
                                    .setRequestId(requestId)
                                    .setSpec(spec)
                                    .build())
                    .getRun()
                    .getName();
        } catch (StatusRuntimeException e) {
            throw failure("CreateRun", e);
        }
    }

    @Override
    public TrialOutcome follow(String run, EvaluationListener listener)
            throws TrialExecutionException, InterruptedException {
        long reported = -1;
        while (true) {
            try {
                Iterator<WatchRunResponse> updates =
                        trainer.watchRun(WatchRunRequest.newBuilder().setName(run).build());
                while (updates.hasNext()) {
                    Run r = updates.next().getRun();
                    reported = report(r, reported, listener);
                    if (ended(r)) {
                        return outcomeOf(r);
                    }
                }
                // The stream closed before the run ended (the trainer shutting down, say): look
                // again.
                Run r = get(run);
                reported = report(r, reported, listener);
                if (ended(r)) {
                    return outcomeOf(r);
                }
            } catch (StatusRuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("interrupted while following " + run);
                }
                if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                    return poll(run, reported, listener);
                }
                throw failure("WatchRun", e);
            }
        }
    }

    /** For a trainer that cannot stream: GetRun at the configured interval. */
    private TrialOutcome poll(String run, long reported, EvaluationListener listener)
            throws TrialExecutionException, InterruptedException {
        while (true) {
            Run r = get(run);
            reported = report(r, reported, listener);
            if (ended(r)) {
                return outcomeOf(r);
            }
            Thread.sleep(pollInterval.toMillis());
        }
    }

    @Override
    public void stop(String run) throws TrialExecutionException {
        try {
            unary().stopRun(StopRunRequest.newBuilder().setName(run).build());
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            // Already ended, or gone: either way there is nothing left to stop.
            if (code != Status.Code.FAILED_PRECONDITION && code != Status.Code.NOT_FOUND) {
                throw failure("StopRun", e);
            }
        }
    }

    private Run get(String run) throws TrialExecutionException {
        try {
            return unary().getRun(GetRunRequest.newBuilder().setName(run).build()).getRun();
        } catch (StatusRuntimeException e) {
            throw failure("GetRun", e);
        }
    }

    private TrainerServiceGrpc.TrainerServiceBlockingStub unary() {
        return trainer.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static long report(Run r, long reported, EvaluationListener listener) {
        if (r.hasLatestEvaluation() && r.getLatestEvaluation().getStep() > reported) {
            listener.evaluated(
                    r.getLatestEvaluation().getStep(), r.getLatestEvaluation().getLoss());
            return r.getLatestEvaluation().getStep();
        }
        return reported;
    }

    private static boolean ended(Run r) {
        return switch (r.getState()) {
            case RUN_STATE_SUCCEEDED, RUN_STATE_STOPPED, RUN_STATE_DIVERGED, RUN_STATE_FAILED ->
                    true;
            default -> false;
        };
    }

    /**
     * What an ended run means for its trial: a success is scored by its final validation loss; a
     * run that finished without one, or with a non-finite one, did not produce a usable result.
     */
    static TrialOutcome outcomeOf(Run r) {
        long tokens = r.getLatestMetrics().getTokensSeen();
        return switch (r.getState()) {
            case RUN_STATE_SUCCEEDED -> {
                if (!r.hasLatestEvaluation()) {
                    yield TrialOutcome.ended(
                            TrialState.TRIAL_STATE_FAILED,
                            tokens,
                            r.getName() + " finished without a validation loss");
                }
                double loss = r.getLatestEvaluation().getLoss();
                yield Double.isFinite(loss)
                        ? TrialOutcome.succeeded(loss, tokens)
                        : TrialOutcome.ended(
                                TrialState.TRIAL_STATE_DIVERGED,
                                tokens,
                                "final validation loss is " + loss);
            }
            case RUN_STATE_DIVERGED ->
                    TrialOutcome.ended(
                            TrialState.TRIAL_STATE_DIVERGED,
                            tokens,
                            r.hasDivergence() && !r.getDivergence().getReason().isEmpty()
                                    ? r.getDivergence().getReason()
                                            + " at step "
                                            + r.getDivergence().getStep()
                                    : orDefault(r.getStateReason(), "diverged"));
            case RUN_STATE_FAILED ->
                    TrialOutcome.ended(
                            TrialState.TRIAL_STATE_FAILED,
                            tokens,
                            orDefault(r.getStateReason(), "run failed"));
            case RUN_STATE_STOPPED ->
                    TrialOutcome.ended(
                            TrialState.TRIAL_STATE_STOPPED,
                            tokens,
                            orDefault(r.getStateReason(), "run stopped"));
            default ->
                    throw new IllegalArgumentException(
                            r.getName() + " has not ended: " + r.getState());
        };
    }

    private static String orDefault(String s, String fallback) {
        return s.isEmpty() ? fallback : s;
    }

    private static TrialExecutionException failure(String call, StatusRuntimeException e) {
        Status s = e.getStatus();
        String message =
                "trainer "
                        + call
                        + ": "
                        + s.getCode()
                        + (s.getDescription() == null ? "" : " " + s.getDescription());
        return new TrialExecutionException(message, RETRYABLE.contains(s.getCode()), e);
    }
}
