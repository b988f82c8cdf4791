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
     * @return the time the log recorded for the event, which a replay reads back with it, so that
     *     live and replayed studies carry the same timestamps
     * @throws StudyLogException when the log cannot take the event
     */
    Instant append(String studyId, Message event);
}
