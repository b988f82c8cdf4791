package io.optimesh.coordinator.events;

import com.google.protobuf.Message;

import io.optimesh.coordinator.study.StudyEventLog;
import io.optimesh.coordinator.study.StudyLogException;
import io.optimesh.core.events.EventPublisher;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The study log on Kafka, written through core's {@link EventPublisher}: one record per event,
 * keyed by study id, CloudEvents headers, idempotent producer with {@code acks=all}. {@link
 * #append} returns only once the broker has the record, so a study never applies an event its log
 * does not hold.
 */
public final class KafkaStudyEventLog implements StudyEventLog, AutoCloseable {

    /** How long an append may wait for the broker before it fails. */
    private static final int DELIVERY_TIMEOUT_MS = 15_000;

    private final EventPublisher publisher;
    private final String topic;

    public KafkaStudyEventLog(String bootstrapServers, String topic, String source) {
        this.publisher =
                new EventPublisher(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                ProducerConfig.CLIENT_ID_CONFIG,
                                "agent-coordinator-studies",
                                ProducerConfig.LINGER_MS_CONFIG,
                                0,
                                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                                5_000,
                                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                                DELIVERY_TIMEOUT_MS,
                                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                                10_000),
                        source);
        this.topic = topic;
    }

    @Override
    public Instant append(String studyId, Message event) {
        String type = event.getDescriptorForType().getFullName();
        try {
            // The producer gives up after its delivery timeout, so no record lands after this
            // fails.
            RecordMetadata written =
                    publisher
                            .publish(topic, studyId, event)
                            .get(DELIVERY_TIMEOUT_MS + 5_000L, TimeUnit.MILLISECONDS);
            return Instant.ofEpochMilli(written.timestamp());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StudyLogException("interrupted while appending " + type + " to " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new StudyLogException(
                    "cannot append " + type + " to " + topic + ": " + cause, cause);
        }
    }

    @Override
    public void close() {
        publisher.close();
    }
}
