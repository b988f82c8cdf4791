package io.optimesh.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.v1.Study;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialState;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

class StudiesTest {

    private final InMemoryStudyEventLog log = new InMemoryStudyEventLog();
    private final Clock clock = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
    private final Studies studies = new Studies(log, clock);

    private static Study study(String id, String requestId) {
        return Study.newBuilder()
                .setName("studies/" + id)
                .setSpec(StudySpec.newBuilder().setDisplayName(id))
                .setState(StudyState.STUDY_STATE_RUNNING)
                .setRequestId(requestId)
                .build();
    }

    @Test
    void aRequestIdCreatesOneStudyHoweverOftenItIsSent() {
        Studies.Created first = studies.create(study("a", "req-1"));
        Studies.Created again = studies.create(study("b", "req-1"));
        assertThat(first.isNew()).isTrue();
        assertThat(again.isNew()).isFalse();
        assertThat(again.study()).isEqualTo(first.study());
        assertThat(studies.ids()).containsExactly("a");
        assertThat(log.entries()).hasSize(1);
        assertThat(log.entries().get(0).event()).isInstanceOf(StudyCreated.class);
        assertThat(first.study().getCreateTime()).isEqualTo(Times.toProto(clock.instant()));
    }

    @Test
    void aTakenNameIsRefused() {
        studies.create(study("a", "req-1"));
        assertThatThrownBy(() -> studies.create(study("a", "req-2")))
                .isInstanceOfSatisfying(
                        StudyException.class,
                        e -> assertThat(e.kind()).isEqualTo(StudyException.Kind.ALREADY_EXISTS));
    }

    @Test
    void nothingChangesWhenTheLogRefusesAnEvent() {
        StudyEventLog refusing =
                (id, event) -> {
                    throw new StudyLogException("broker down", null);
                };
        Studies s = new Studies(refusing, clock);
        assertThatThrownBy(() -> s.create(study("a", "req-1")))
                .isInstanceOf(StudyLogException.class);
        assertThat(s.ids()).isEmpty();
    }

    @Test
    void listenersSeeEveryEventAfterItIsApplied() {
        List<String> seen = new ArrayList<>();
        studies.addListener(
                (study, event, changed) ->
                        seen.add(
                                event.getDescriptorForType().getName() + ":" + study.trialCount()));
        studies.create(study("a", ""));
        studies.record(
                "a",
                TrialCreated.newBuilder()
                        .setTrial(
                                Trial.newBuilder()
                                        .setName("studies/a/trials/1")
                                        .setState(TrialState.TRIAL_STATE_PENDING))
                        .build());
        assertThat(seen).containsExactly("StudyCreated:0", "TrialCreated:1");
    }

    @Test
    void replayingTheLogRebuildsTheSameStudies() {
        studies.create(study("a", "req-1"));
        studies.create(study("b", "req-2"));
        studies.record(
                "a",
                TrialCreated.newBuilder()
                        .setTrial(
                                Trial.newBuilder()
                                        .setName("studies/a/trials/1")
                                        .setState(TrialState.TRIAL_STATE_PENDING))
                        .build());

        Studies rebuilt = log.replayInto(new Studies(log, clock));
        assertThat(rebuilt.all()).containsExactlyInAnyOrderElementsOf(studies.all());
        assertThat(rebuilt.locked("a", StudyAggregate::trials))
                .isEqualTo(studies.locked("a", StudyAggregate::trials));
        // The request ids come back with the studies: a retried create still finds its study.
        assertThat(rebuilt.create(study("c", "req-2")).study().getName()).isEqualTo("studies/b");
    }

    @Test
    void anUnknownStudyIsNotFound() {
        assertThatThrownBy(() -> studies.locked("nope", StudyAggregate::study))
                .isInstanceOfSatisfying(
                        StudyException.class,
                        e -> assertThat(e.kind()).isEqualTo(StudyException.Kind.NOT_FOUND));
    }
}
