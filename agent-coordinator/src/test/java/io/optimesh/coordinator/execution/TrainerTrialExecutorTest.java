package io.optimesh.coordinator.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.optimesh.v1.DivergenceEvidence;
import io.optimesh.v1.Evaluation;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunState;
import io.optimesh.v1.StepMetrics;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.TrialState;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

class TrainerTrialExecutorTest {

    private static Run.Builder run(RunState state) {
        return Run.newBuilder()
                .setName("runs/abc")
                .setState(state)
                .setLatestMetrics(StepMetrics.newBuilder().setStep(300).setTokensSeen(307_200));
    }

    @Test
    void aSucceededRunIsScoredByItsFinalValidationLoss() {
        TrialOutcome o =
                TrainerTrialExecutor.outcomeOf(
                        run(RunState.RUN_STATE_SUCCEEDED)
                                .setLatestEvaluation(
                                        Evaluation.newBuilder().setStep(300).setLoss(2.317))
                                .build());
        assertThat(o)
                .isEqualTo(
                        new TrialOutcome(
                                TrialState.TRIAL_STATE_SUCCEEDED,
                                OptionalDouble.of(2.317),
                                307_200,
                                ""));
    }

    @Test
    void aSucceededRunWithoutAUsableLossIsNotASuccess() {
        assertThat(
                        TrainerTrialExecutor.outcomeOf(run(RunState.RUN_STATE_SUCCEEDED).build())
                                .state())
                .isEqualTo(TrialState.TRIAL_STATE_FAILED);
        TrialOutcome nan =
                TrainerTrialExecutor.outcomeOf(
                        run(RunState.RUN_STATE_SUCCEEDED)
                                .setLatestEvaluation(
                                        Evaluation.newBuilder().setStep(300).setLoss(Double.NaN))
                                .build());
        assertThat(nan.state()).isEqualTo(TrialState.TRIAL_STATE_DIVERGED);
        assertThat(nan.objective()).isEmpty();
    }

    @Test
    void divergedFailedAndStoppedRunsKeepTheirReasonAndCost() {
        TrialOutcome diverged =
                TrainerTrialExecutor.outcomeOf(
                        run(RunState.RUN_STATE_DIVERGED)
                                .setDivergence(
                                        DivergenceEvidence.newBuilder()
                                                .setStep(120)
                                                .setLoss(9.1)
                                                .setReason("loss 9.1 > 3 x best 2.4"))
                                .build());
        assertThat(diverged)
                .isEqualTo(
                        TrialOutcome.ended(
                                TrialState.TRIAL_STATE_DIVERGED,
                                307_200,
                                "loss 9.1 > 3 x best 2.4 at step 120"));
        assertThat(
                        TrainerTrialExecutor.outcomeOf(
                                run(RunState.RUN_STATE_FAILED)
                                        .setStateReason("out of memory")
                                        .build()))
                .isEqualTo(
                        TrialOutcome.ended(
                                TrialState.TRIAL_STATE_FAILED, 307_200, "out of memory"));
        assertThat(TrainerTrialExecutor.outcomeOf(run(RunState.RUN_STATE_STOPPED).build()).state())
                .isEqualTo(TrialState.TRIAL_STATE_STOPPED);
    }

    @Test
    void anUnreachableTrainerIsAFailureWorthRetrying() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        ManagedChannel channel =
                ManagedChannelBuilder.forAddress("127.0.0.1", closedPort).usePlaintext().build();
        try {
            TrainerTrialExecutor executor =
                    new TrainerTrialExecutor(
                            TrainerServiceGrpc.newBlockingStub(channel),
                            Duration.ofSeconds(5),
                            Duration.ofMillis(10));
            assertThatThrownBy(
                            () ->
                                    executor.start(
                                            "studies/s/trials/1/attempts/1",
                                            RunSpec.getDefaultInstance()))
                    .isInstanceOfSatisfying(
                            TrialExecutionException.class,
                            e -> {
                                assertThat(e.retryable()).isTrue();
                                assertThat(e.getMessage())
                                        .startsWith("trainer CreateRun: UNAVAILABLE");
                            });
            assertThatThrownBy(() -> executor.follow("runs/abc", (step, loss) -> {}))
                    .isInstanceOfSatisfying(
                            TrialExecutionException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(() -> executor.stop("runs/abc"))
                    .isInstanceOfSatisfying(
                            TrialExecutionException.class, e -> assertThat(e.retryable()).isTrue());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRunStillTrainingHasNoOutcome() {
        assertThatThrownBy(
                        () ->
                                TrainerTrialExecutor.outcomeOf(
                                        run(RunState.RUN_STATE_RUNNING).build()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
