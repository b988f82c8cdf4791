package io.optimesh.coordinator.study;

import com.google.protobuf.Message;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A study log held in memory, for tests whose point is the logic above the log (the Kafka log has
 * its own test against a real broker). It keeps what Kafka keeps: per study, events in order.
 */
public final class InMemoryStudyEventLog implements StudyEventLog {

    /** One appended event. */
    public record Entry(String studyId, Message event, Instant time) {}

    private final List<Entry> entries = new ArrayList<>();

    @Override
    public synchronized Instant append(String studyId, Message event) {
        Instant time = Instant.now();
        entries.add(new Entry(studyId, event, time));
        return time;
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The events of one study, in order. */
    public synchronized List<Message> events(String studyId) {
        return entries.stream().filter(e -> e.studyId().equals(studyId)).map(Entry::event).toList();
    }

    /** A fresh set of studies rebuilt from everything appended so far. */
    public Studies replayInto(Studies studies) {
        for (Entry e : entries()) {
            studies.replay(e.studyId(), e.event(), e.time());
        }
        return studies;
    }
}
