package io.optimesh.coordinator.events;

import com.google.protobuf.Message;

import io.optimesh.coordinator.study.StudyLogException;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudyResumed;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialProgressReported;
import io.optimesh.v1.TrialStarted;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the whole study log back, from the first record of every partition to the end it had when
 * the read began, handing each event to a handler in log order (per study: one study's events share
 * a partition). No consumer group: every start reads everything.
 */
public final class StudyLogReader {

    private static final Logger LOG = Logger.getLogger(StudyLogReader.class);

    /** Every study event; records of other types are skipped (with a log line) by the decoder. */
    private static final EventDecoder DECODER =
            EventDecoder.of(
                    StudyCreated.getDefaultInstance(),
                    TrialCreated.getDefaultInstance(),
                    TrialStarted.getDefaultInstance(),
                    TrialProgressReported.getDefaultInstance(),
                    TrialEnded.getDefaultInstance(),
                    StudyEnded.getDefaultInstance(),
                    StudyResumed.getDefaultInstance());

    /** Receives the events read back. */
    @FunctionalInterface
    public interface Handler {
        /**
         * @throws IllegalArgumentException for an event that cannot apply; it is skipped
         */
        void event(String studyId, Message event, Instant at);
    }

    /** What a replay read. */
    public record Replayed(long events, long skipped) {}

    private final String bootstrapServers;
    private final String topic;

    public StudyLogReader(String bootstrapServers, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
    }

    /**
     * Reads the log to its current end.
     *
     * @throws StudyLogException when the broker cannot be reached or the read takes longer than
     *     {@code timeout}
     */
    public Replayed replay(Duration timeout, Handler handler) {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "agent-coordinator-replay");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(
                        config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                return new Replayed(0, 0);
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
            long events = 0;
            long skipped = 0;
            while (!caughtUp(consumer, end)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new StudyLogException(
                            "reading " + topic + " back took longer than " + timeout, null);
                }
                for (ConsumerRecord<String, byte[]> record :
                        consumer.poll(Duration.ofMillis(200))) {
                    if (handle(record, handler)) {
                        events++;
                    } else {
                        skipped++;
                    }
                }
            }
            return new Replayed(events, skipped);
        } catch (KafkaException e) {
            throw new StudyLogException(
                    "cannot read "
                            + topic
                            + " from Kafka at "
                            + bootstrapServers
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private boolean handle(ConsumerRecord<String, byte[]> record, Handler handler) {
        Optional<Message> event = DECODER.decode(record);
        if (event.isEmpty() || record.key() == null) {
            return false;
        }
        try {
            // The record's timestamp is the time the live coordinator applied the event with.
            handler.event(record.key(), event.get(), Instant.ofEpochMilli(record.timestamp()));
            return true;
        } catch (IllegalArgumentException e) {
            LOG.warnf(
                    "skipping %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
            return false;
        }
    }

    private static boolean caughtUp(
            KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static Duration remaining(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
