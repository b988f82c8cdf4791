package io.optimesh.coordinator.study;

import com.google.protobuf.Message;
import java.time.Instant;

/**
 * The studies' event log: optimesh.studies.v1, keyed by study id. A study's state is whatever its
 * events, applied in order, make of it; this is where the events go before they are applied.
 */
public interface StudyEventLog {

  /**
   * Appends one event to a study's log and returns once the log holds it durably.
   *
   * @param time when the event happened; it travels with the event (the CloudEvents time) so that
   *     a replay rebuilds the same timestamps
   * @throws StudyLogException when the log cannot take the event
   */
  void append(String studyId, Message event, Instant time);
}
