package io.optimesh.coordinator.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.RunStarted;
import io.optimesh.v1.StudyResumed;
import io.optimesh.v1.TrialStarted;
import org.junit.jupiter.api.Test;

class StudyEventTypesTest {

  @Test
  void studyEventsRoundTripThroughTheirCloudEventType() throws Exception {
    TrialStarted event =
        TrialStarted.newBuilder().setTrial("studies/s/trials/1").setRun("runs/r").setAttempt(2).build();
    assertThat(StudyEventTypes.type(event)).isEqualTo("optimesh.v1.TrialStarted");
    assertThat(StudyEventTypes.parse("optimesh.v1.TrialStarted", event.toByteArray())).contains(event);
    StudyResumed resumed = StudyResumed.newBuilder().setStudy("studies/s").build();
    assertThat(StudyEventTypes.parse("optimesh.v1.StudyResumed", resumed.toByteArray())).contains(resumed);
  }

  @Test
  void otherTypesAreNotStudyEvents() throws Exception {
    assertThat(StudyEventTypes.parse("optimesh.v1.RunStarted", RunStarted.getDefaultInstance().toByteArray()))
        .isEmpty();
    assertThat(StudyEventTypes.parse("", new byte[0])).isEmpty();
  }
}
