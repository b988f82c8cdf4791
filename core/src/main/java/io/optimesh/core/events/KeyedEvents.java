package io.optimesh.core.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads one key's events of a topic from the beginning, the way a client follows a run or a study
 * after the fact. No consumer group: partitions are assigned directly, so nothing is committed.
 */
public final class KeyedEvents {

    private KeyedEvents() {
    }

    /**
     * The records of {@code key} on {@code topic}, in order, up to and including the first one that
     * {@code last} accepts.
     *
     * @throws IllegalStateException when none is accepted within {@code timeout}; the message lists
     *     the event types seen
     */
    public static List<ConsumerRecord<String, byte[]>> readUntil(String bootstrapServers, String topic, String key,
            Predicate<ConsumerRecord<String, byte[]>> last, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        found.add(record);
                        if (last.test(record)) {
                            return found;
                        }
                    }
                }
            }
        }
        throw new IllegalStateException("no closing event of " + key + " on " + topic + " within "
                + timeout.toSeconds() + " s; saw " + found.stream().map(r -> CloudEventHeaders.type(r).orElse("?"))
                .toList());
    }
}
