package io.optimesh.coordinator.events;

import com.google.protobuf.Message;
import io.optimesh.coordinator.study.StudyEventLog;
import io.optimesh.coordinator.study.StudyLogException;
import io.optimesh.coordinator.study.StudyNames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The study log on Kafka: one record per event, keyed by study id, the protobuf event as value and
 * the CloudEvents attributes as headers (binary mode). The producer is idempotent and waits for
 * every in-sync replica, and {@link #append} returns only once the broker has the record.
 *
 * <p>Stands in until optimesh-core's EventPublisher (which writes the same records) is available.
 */
public final class KafkaStudyEventLog implements StudyEventLog, AutoCloseable {

  /** How long an append may wait for the broker before it fails. */
  private static final long DELIVERY_TIMEOUT_MS = 15_000;

  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final String source;

  public KafkaStudyEventLog(String bootstrapServers, String topic, String source) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "agent-coordinator-studies");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT_MS);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    this.producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.source = source;
  }

  @Override
  public void append(String studyId, Message event, Instant time) {
    RecordHeaders headers = new RecordHeaders();
    header(headers, CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_1_0);
    header(headers, CloudEventHeaders.ID, UUID.randomUUID().toString());
    header(headers, CloudEventHeaders.SOURCE, source);
    header(headers, CloudEventHeaders.TYPE, StudyEventTypes.type(event));
    header(headers, CloudEventHeaders.TIME, time.toString());
    header(headers, CloudEventHeaders.SUBJECT, StudyNames.studyName(studyId));
    header(headers, CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.PROTOBUF);
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(
            topic, null, time.toEpochMilli(), studyId, event.toByteArray(), headers);
    try {
      producer.send(record).get(DELIVERY_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StudyLogException("interrupted while appending to " + topic, e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new StudyLogException(
          "cannot append " + StudyEventTypes.type(event) + " to " + topic + ": " + cause, cause);
    }
  }

  private static void header(RecordHeaders headers, String key, String value) {
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    producer.close();
  }
}
