package io.optimesh.coordinator.events;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.optimesh.coordinator.study.StudyLogException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads the whole study log back, from the first record of every partition to the end it had when
 * the read began, handing each event to a handler in log order (per study: one study's events
 * share a partition). No consumer group: every start reads everything.
 */
public final class StudyLogReader {

  private static final Logger LOG = Logger.getLogger(StudyLogReader.class);

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
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
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
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
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
          "cannot read " + topic + " from Kafka at " + bootstrapServers + ": " + e.getMessage(), e);
    }
  }

  private boolean handle(ConsumerRecord<String, byte[]> record, Handler handler) {
    String type = header(record, CloudEventHeaders.TYPE).orElse("");
    try {
      Optional<Message> event = StudyEventTypes.parse(type, record.value());
      if (event.isEmpty() || record.key() == null) {
        LOG.warnf("skipping %s-%d@%d: not a study event (ce_type '%s')",
            record.topic(), record.partition(), record.offset(), type);
        return false;
      }
      handler.event(record.key(), event.get(), time(record));
      return true;
    } catch (InvalidProtocolBufferException | IllegalArgumentException | DateTimeParseException e) {
      LOG.warnf("skipping %s-%d@%d (%s): %s",
          record.topic(), record.partition(), record.offset(), type, e.getMessage());
      return false;
    }
  }

  /** The event's own time (ce_time, nanosecond precision), else the record's timestamp. */
  private static Instant time(ConsumerRecord<String, byte[]> record) {
    return header(record, CloudEventHeaders.TIME)
        .map(Instant::parse)
        .orElseGet(() -> Instant.ofEpochMilli(record.timestamp()));
  }

  private static Optional<String> header(ConsumerRecord<String, byte[]> record, String key) {
    Header h = record.headers().lastHeader(key);
    return h == null ? Optional.empty() : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
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
