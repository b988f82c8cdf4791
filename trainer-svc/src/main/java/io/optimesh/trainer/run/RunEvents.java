package io.optimesh.trainer.run;

import com.google.protobuf.Message;
import java.time.Duration;

/**
 * Where a run's events go (the runs topic, keyed by run id). Calls come in the order the events
 * happened and must be delivered in that order; they must not block the training thread.
 */
public interface RunEvents {

    /** Queues {@code event} of run {@code runId}. */
    void publish(String runId, Message event);

    /**
     * Takes no more events and waits up to {@code timeout} until every queued one has been handed
     * to the transport (which sends what it holds when it is closed).
     */
    void drain(Duration timeout);
}
