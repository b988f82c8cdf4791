package io.optimesh.core.events;

import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes protobuf events to Kafka as CloudEvents in binary mode: the value is the encoded
 * message, the envelope travels in {@link CloudEventHeaders}. The producer is idempotent with
 * {@code acks=all}, so a retried send never duplicates or reorders a key's events. Thread-safe.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] SPEC_VERSION = CloudEventHeaders.SPEC_VERSION_1_0.getBytes(StandardCharsets.UTF_8);
    private static final byte[] CONTENT_TYPE = CloudEventHeaders.PROTOBUF_CONTENT_TYPE.getBytes(StandardCharsets.UTF_8);

    private final KafkaProducer<String, byte[]> producer;
    private final byte[] source;
    private final Clock clock;

    /**
     * @param producerConfig Kafka producer settings, at least {@code bootstrap.servers}; idempotence,
     *                       acks and the serializers are always set here
     * @param source         the CloudEvents source of this service, e.g. {@code //optimesh.io/trainer-svc}
     */
    public EventPublisher(Map<String, Object> producerConfig, String source) {
        this(producerConfig, source, Clock.systemUTC());
    }

    public EventPublisher(Map<String, Object> producerConfig, String source, Clock clock) {
        if (Objects.requireNonNull(source, "source").isBlank()) {
            throw new IllegalArgumentException("source must not be blank");
        }
        this.source = source.getBytes(StandardCharsets.UTF_8);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.producer = new KafkaProducer<>(effectiveConfig(producerConfig), new StringSerializer(), new ByteArraySerializer());
    }

    /** The caller's settings with the guarantees this publisher depends on forced on top. */
    static Map<String, Object> effectiveConfig(Map<String, Object> producerConfig) {
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // Serializers are passed as instances; class names in the config would be ignored anyway.
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return config;
    }

    /**
     * Sends {@code event} to {@code topic} under {@code key} (a run or study id, which keeps that
     * entity's events in one partition and in order).
     *
     * @return completes with the record's position once the broker has it, or exceptionally
     */
    public CompletableFuture<RecordMetadata> publish(String topic, String key, Message event) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(event, "event");
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEventHeaders.SPEC_VERSION, SPEC_VERSION);
        headers.add(CloudEventHeaders.ID, utf8(UUID.randomUUID().toString()));
        headers.add(CloudEventHeaders.SOURCE, source);
        headers.add(CloudEventHeaders.TYPE, utf8(event.getDescriptorForType().getFullName()));
        headers.add(CloudEventHeaders.TIME, utf8(DateTimeFormatter.ISO_INSTANT.format(clock.instant())));
        headers.add(CloudEventHeaders.CONTENT_TYPE, CONTENT_TYPE);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, key, event.toByteArray(), headers);

        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            // send() throws instead of calling back when the producer is closed or the metadata wait times out.
            result.completeExceptionally(e);
        }
        return result;
    }

    /** Blocks until every event published so far is acknowledged or has failed. */
    public void flush() {
        producer.flush();
    }

    /** Sends what is buffered, waiting at most {@code timeout}, then releases the producer. */
    public void close(Duration timeout) {
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
