package io.optimesh.trainer.events;

import com.google.protobuf.Message;
import io.optimesh.core.events.EventPublisher;
import io.optimesh.core.events.Topics;
import io.optimesh.trainer.run.RunEvents;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sends run events to {@value Topics#RUNS}, keyed by run id. A single sender thread hands them to
 * the producer in the order they were queued (the producer keeps one key's events in order from
 * there), so training never waits on Kafka, not even while the broker is unreachable.
 */
public final class KafkaRunEvents implements RunEvents {

    private static final Logger LOG = Logger.getLogger(KafkaRunEvents.class);

    private final EventPublisher publisher;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "trainer-run-events");
        thread.setDaemon(true);
        return thread;
    });

    public KafkaRunEvents(EventPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void publish(String runId, Message event) {
        sender.execute(() -> publisher.publish(Topics.RUNS, runId, event).whenComplete((position, error) -> {
            if (error != null) {
                LOG.warnf("Could not publish %s of run %s to %s: %s", event.getDescriptorForType().getName(), runId,
                        Topics.RUNS, error.getMessage());
            }
        }));
    }

    @Override
    public void drain(Duration timeout) {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Run events were still queued %s after shutdown began", timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
