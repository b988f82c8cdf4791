package io.optimesh.coordinator.study;

import com.google.protobuf.Message;

import io.optimesh.v1.Study;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.Trial;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Every study the coordinator knows, each kept as its event log makes it. A change is an event:
 * {@link #record} appends it to the log and then applies it, so the state never holds what the log
 * does not; {@link #replay} applies an event read back from the log.
 *
 * <p>Each study is locked on its own: its events are appended and applied one at a time, and {@link
 * #locked} lets a caller decide and record under the same lock.
 */
public final class Studies {

    /** The outcome of a create: the study, and whether this call created it. */
    public record Created(Study study, boolean isNew) {}

    private final StudyEventLog log;
    private final Clock clock;
    private final ConcurrentMap<String, StudyAggregate> byId = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> idByRequestId = new ConcurrentHashMap<>();
    private final List<StudyListener> listeners = new CopyOnWriteArrayList<>();
    private final Object createLock = new Object();

    public Studies(StudyEventLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    public void addListener(StudyListener listener) {
        listeners.add(listener);
    }

    public void removeListener(StudyListener listener) {
        listeners.remove(listener);
    }

    /**
     * Creates a study, or returns the one created earlier with the same request id.
     *
     * @param study the new study (name, spec, state, request id); its create time is set here
     * @throws StudyException ALREADY_EXISTS when the name is taken by another request
     */
    public Created create(Study study) {
        synchronized (createLock) {
            if (!study.getRequestId().isEmpty()) {
                String existing = idByRequestId.get(study.getRequestId());
                if (existing != null) {
                    return new Created(locked(existing, StudyAggregate::study), false);
                }
            }
            String id = StudyNames.studyId(study.getName());
            if (byId.containsKey(id)) {
                throw StudyException.alreadyExists(study.getName());
            }
            StudyCreated event =
                    StudyCreated.newBuilder()
                            .setStudy(
                                    study.toBuilder().setCreateTime(Times.toProto(clock.instant())))
                            .build();
            Instant at = log.append(id, event);
            StudyAggregate aggregate = StudyAggregate.created(event, at);
            synchronized (aggregate) {
                register(aggregate);
                notifyListeners(aggregate, event, Optional.empty());
                return new Created(aggregate.study(), true);
            }
        }
    }

    /**
     * Appends an event of an existing study to the log, then applies it.
     *
     * @return the trial the event changed, if any
     * @throws StudyException NOT_FOUND for an unknown study
     * @throws StudyLogException when the log cannot take the event; nothing changes then
     */
    public Optional<Trial> record(String studyId, Message event) {
        StudyAggregate aggregate = require(studyId);
        synchronized (aggregate) {
            Instant at = log.append(studyId, event);
            Optional<Trial> changed = aggregate.apply(event, at);
            notifyListeners(aggregate, event, changed);
            return changed;
        }
    }

    /**
     * Applies an event read back from the log, without appending it again.
     *
     * @throws IllegalArgumentException for an event of a study whose creation was never seen
     */
    public void replay(String studyId, Message event, Instant at) {
        if (event instanceof StudyCreated created) {
            synchronized (createLock) {
                if (!byId.containsKey(studyId)) {
                    register(StudyAggregate.created(created, at));
                }
            }
            return;
        }
        StudyAggregate aggregate = byId.get(studyId);
        if (aggregate == null) {
            throw new IllegalArgumentException(
                    "event for study " + studyId + " before its creation");
        }
        synchronized (aggregate) {
            notifyListeners(aggregate, event, aggregate.apply(event, at));
        }
    }

    /**
     * Runs {@code fn} on a study while holding its lock; events {@link #record}ed inside are
     * applied before it returns.
     *
     * @throws StudyException NOT_FOUND for an unknown study
     */
    public <T> T locked(String studyId, Function<StudyAggregate, T> fn) {
        StudyAggregate aggregate = require(studyId);
        synchronized (aggregate) {
            return fn.apply(aggregate);
        }
    }

    public boolean exists(String studyId) {
        return byId.containsKey(studyId);
    }

    /** The ids of every study, in no particular order. */
    public List<String> ids() {
        return new ArrayList<>(byId.keySet());
    }

    /** A snapshot of every study. */
    public List<Study> all() {
        List<Study> out = new ArrayList<>();
        for (String id : ids()) {
            out.add(locked(id, StudyAggregate::study));
        }
        return out;
    }

    private StudyAggregate require(String studyId) {
        StudyAggregate aggregate = byId.get(studyId);
        if (aggregate == null) {
            throw StudyException.notFound(StudyNames.studyName(studyId));
        }
        return aggregate;
    }

    private void register(StudyAggregate aggregate) {
        byId.put(aggregate.id(), aggregate);
        if (!aggregate.requestId().isEmpty()) {
            idByRequestId.put(aggregate.requestId(), aggregate.id());
        }
    }

    private void notifyListeners(StudyAggregate aggregate, Message event, Optional<Trial> changed) {
        for (StudyListener listener : listeners) {
            listener.applied(aggregate, event, changed);
        }
    }
}
