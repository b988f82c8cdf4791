package io.optimesh.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;

import io.optimesh.coordinator.search.ParameterValues;
import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.Study;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudyObjective;
import io.optimesh.v1.StudyResumed;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialProgressReported;
import io.optimesh.v1.TrialStarted;
import io.optimesh.v1.TrialState;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

class StudyAggregateTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.123456789Z");
    private static final String STUDY = "studies/lr-sweep";

    private static StudyAggregate created(StudySpec spec) {
        return StudyAggregate.created(
                StudyCreated.newBuilder()
                        .setStudy(
                                Study.newBuilder()
                                        .setName(STUDY)
                                        .setSpec(spec)
                                        .setState(StudyState.STUDY_STATE_RUNNING)
                                        .setRequestId("req-1")
                                        .setCreateTime(Times.toProto(T0)))
                        .build(),
                T0);
    }

    private static String trial(int n) {
        return STUDY + "/trials/" + n;
    }

    private static TrialCreated trialCreated(int n, double lr) {
        return TrialCreated.newBuilder()
                .setTrial(
                        Trial.newBuilder()
                                .setName(trial(n))
                                .putParameters("learning_rate", ParameterValues.ofFloat(lr))
                                .setState(TrialState.TRIAL_STATE_PENDING))
                .build();
    }

    private static TrialStarted started(int n, String run, int attempt) {
        return TrialStarted.newBuilder().setTrial(trial(n)).setRun(run).setAttempt(attempt).build();
    }

    private static TrialProgressReported progress(int n, long step, double loss) {
        return TrialProgressReported.newBuilder()
                .setTrial(trial(n))
                .setValue(IntermediateValue.newBuilder().setStep(step).setValue(loss))
                .build();
    }

    private static TrialEnded ended(
            StudyAggregate s, int n, TrialState state, Double objective, long tokens) {
        Trial.Builder t =
                s.trial(trial(n)).orElseThrow().toBuilder()
                        .setState(state)
                        .setComputeTokens(tokens)
                        .setEndTime(Times.toProto(T0.plusSeconds(60)));
        if (objective != null) {
            t.setObjectiveValue(objective);
        }
        return TrialEnded.newBuilder().setTrial(t).build();
    }

    private static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void aStudyIsWhatItsEventsMakeIt() {
        StudyAggregate s = created(StudySpec.getDefaultInstance());
        s.apply(trialCreated(1, 1e-3), at(1));
        s.apply(trialCreated(2, 3e-2), at(1));
        s.apply(started(1, "runs/a", 1), at(2));
        s.apply(started(2, "runs/b", 1), at(2));
        s.apply(progress(1, 50, 3.1), at(3));
        s.apply(progress(1, 100, 2.4), at(4));
        assertThat(s.activeTrials()).isEqualTo(2);
        s.apply(ended(s, 1, TrialState.TRIAL_STATE_SUCCEEDED, 2.4, 1000), at(5));
        s.apply(ended(s, 2, TrialState.TRIAL_STATE_DIVERGED, null, 300), at(6));

        Study study = s.study();
        assertThat(study.getName()).isEqualTo(STUDY);
        assertThat(study.getState()).isEqualTo(StudyState.STUDY_STATE_RUNNING);
        assertThat(study.getTrialsTotal()).isEqualTo(2);
        assertThat(study.getTrialsCompleted()).isEqualTo(2);
        assertThat(study.getComputeTokens()).isEqualTo(1300);
        assertThat(study.getBestTrial().getName()).isEqualTo(trial(1));
        assertThat(study.getBestTrial().getObjectiveValue()).isEqualTo(2.4);
        assertThat(study.getCreateTime()).isEqualTo(Times.toProto(T0));
        assertThat(study.getUpdateTime()).isEqualTo(Times.toProto(at(6)));
        assertThat(study.getRequestId()).isEqualTo("req-1");

        Trial first = s.trial(trial(1)).orElseThrow();
        assertThat(first.getRun()).isEqualTo("runs/a");
        assertThat(first.getAttempt()).isEqualTo(1);
        assertThat(first.getIntermediateValuesList())
                .extracting(IntermediateValue::getStep)
                .containsExactly(50L, 100L);
        assertThat(first.getCreateTime()).isEqualTo(Times.toProto(at(1)));
        assertThat(s.trials()).extracting(Trial::getName).containsExactly(trial(1), trial(2));
        assertThat(s.nextTrialName()).isEqualTo(trial(3));

        s.apply(
                StudyEnded.newBuilder()
                        .setStudy(
                                study.toBuilder()
                                        .setState(StudyState.STUDY_STATE_SUCCEEDED)
                                        .setStateReason("max_trials reached"))
                        .build(),
                at(7));
        assertThat(s.state()).isEqualTo(StudyState.STUDY_STATE_SUCCEEDED);
        assertThat(s.study().getStateReason()).isEqualTo("max_trials reached");
        assertThat(s.settled()).isTrue();
    }

    @Test
    void duplicatesAndStaleEventsChangeNothing() {
        StudyAggregate s = created(StudySpec.getDefaultInstance());
        s.apply(trialCreated(1, 1e-3), at(1));
        s.apply(started(1, "runs/a", 1), at(2));
        s.apply(progress(1, 100, 2.4), at(3));
        s.apply(ended(s, 1, TrialState.TRIAL_STATE_SUCCEEDED, 2.4, 1000), at(4));
        Study before = s.study();
        List<Trial> trialsBefore = s.trials();

        List<Message> replayedAgain =
                List.of(
                        trialCreated(1, 0.5),
                        started(1, "runs/a", 1),
                        progress(1, 100, 9.9),
                        progress(1, 50, 9.9),
                        ended(s, 1, TrialState.TRIAL_STATE_SUCCEEDED, 2.4, 1000));
        for (Message m : replayedAgain) {
            assertThat(s.apply(m, at(100))).isEmpty();
        }
        assertThat(s.study()).isEqualTo(before);
        assertThat(s.trials()).isEqualTo(trialsBefore);
    }

    @Test
    void aNewAttemptStartsTheTrialAfresh() {
        StudyAggregate s = created(StudySpec.getDefaultInstance());
        s.apply(trialCreated(1, 1e-3), at(1));
        s.apply(started(1, "runs/a", 1), at(2));
        s.apply(progress(1, 100, 3.0), at(3));
        s.apply(ended(s, 1, TrialState.TRIAL_STATE_STOPPED, null, 700), at(4));
        assertThat(s.activeTrials()).isZero();
        assertThat(s.study().getTrialsCompleted()).isZero();

        Trial restarted = s.apply(started(1, "runs/b", 2), at(5)).orElseThrow();
        assertThat(restarted.getState()).isEqualTo(TrialState.TRIAL_STATE_RUNNING);
        assertThat(restarted.getRun()).isEqualTo("runs/b");
        assertThat(restarted.getAttempt()).isEqualTo(2);
        assertThat(restarted.getIntermediateValuesList()).isEmpty();
        assertThat(restarted.hasEndTime()).isFalse();
        // The stopped attempt's tokens were spent: they stay on the trial.
        assertThat(restarted.getComputeTokens()).isEqualTo(700);
        // An event of the earlier attempt arriving late is ignored.
        assertThat(s.apply(started(1, "runs/a", 1), at(6))).isEmpty();
    }

    @Test
    void stopAndResumeMoveTheStudyBetweenStates() {
        StudyAggregate s = created(StudySpec.getDefaultInstance());
        s.apply(
                StudyEnded.newBuilder()
                        .setStudy(
                                s.study().toBuilder()
                                        .setState(StudyState.STUDY_STATE_STOPPED)
                                        .setStateReason("stopped by request"))
                        .build(),
                at(1));
        assertThat(s.state()).isEqualTo(StudyState.STUDY_STATE_STOPPED);
        s.apply(StudyResumed.newBuilder().setStudy(STUDY).build(), at(2));
        assertThat(s.state()).isEqualTo(StudyState.STUDY_STATE_RUNNING);
        assertThat(s.study().getStateReason()).isEmpty();
        assertThat(s.study().getUpdateTime()).isEqualTo(Times.toProto(at(2)));
    }

    @Test
    void theParetoSetKeepsTrialsNoOtherBeatsOnBothObjectives() {
        StudyAggregate s =
                created(
                        StudySpec.newBuilder()
                                .setObjective(StudyObjective.newBuilder().setMinimizeCompute(true))
                                .build());
        double[][] trials = {{2.0, 4000}, {2.5, 1000}, {2.6, 2000}, {1.9, 9000}, {2.5, 1000}};
        for (int i = 0; i < trials.length; i++) {
            int n = i + 1;
            s.apply(trialCreated(n, 1e-3), at(n));
            s.apply(started(n, "runs/" + n, 1), at(n));
            s.apply(
                    ended(
                            s,
                            n,
                            TrialState.TRIAL_STATE_SUCCEEDED,
                            trials[i][0],
                            (long) trials[i][1]),
                    at(n));
        }
        // (2.6, 2000) is beaten by (2.5, 1000); the two (2.5, 1000) tie and both stay.
        assertThat(s.bestTrials())
                .extracting(Trial::getName)
                .containsExactly(trial(4), trial(1), trial(2), trial(5));
        assertThat(s.best().orElseThrow().getName()).isEqualTo(trial(4));
    }

    @Test
    void eventsOfAnotherStudyOrUnknownTrialsAreRejected() {
        StudyAggregate s = created(StudySpec.getDefaultInstance());
        assertThatThrownBy(
                        () ->
                                s.apply(
                                        TrialCreated.newBuilder()
                                                .setTrial(
                                                        Trial.newBuilder()
                                                                .setName("studies/other/trials/1"))
                                                .build(),
                                        at(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.apply(started(7, "runs/x", 1), at(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never created");
        assertThatThrownBy(() -> s.apply(IntermediateValue.getDefaultInstance(), at(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a study event");
    }
}
