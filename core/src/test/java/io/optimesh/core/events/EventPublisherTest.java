package io.optimesh.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EventPublisherTest {

    private static final String SOURCE = "//optimesh.io/trainer-svc";
    private static String bootstrap;

    @BeforeAll
    static void broker() {
        bootstrap = new KafkaBrokerTestResource().start().get("kafka.bootstrap.servers");
    }

    @Test
    void theTestResourceSharesOneBrokerPerJvm() {
        assertThat(new KafkaBrokerTestResource().start()).containsExactly(Map.entry("kafka.bootstrap.servers", bootstrap));
        assertThat(System.getProperty(KafkaBrokerTestResource.BOOTSTRAP_PROPERTY)).isEqualTo(bootstrap);
    }

    @Test
    void keyedEventsReadsOneKeyFromTheBeginningUpToTheClosingEvent() throws Exception {
        String topic = "keyed-test-" + UUID.randomUUID();
        createTopic(topic, 3);
        try (EventPublisher publisher = new EventPublisher(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                SOURCE)) {
            publisher.publish(topic, "a", metrics(1, 4.5));
            publisher.publish(topic, "b", metrics(1, 9.0));
            publisher.publish(topic, "a", metrics(2, 4.0));
            publisher.publish(topic, "a", ErrorInfo.newBuilder().setReason("DONE").build());
            publisher.publish(topic, "a", metrics(3, 3.5));
            publisher.flush();
        }
        EventDecoder decoder = EventDecoder.of(Struct.getDefaultInstance(), ErrorInfo.getDefaultInstance());

        List<ConsumerRecord<String, byte[]>> a = KeyedEvents.readUntil(bootstrap, topic, "a",
                r -> decoder.decode(r, ErrorInfo.class).isPresent(), Duration.ofSeconds(60));

        assertThat(a).extracting(ConsumerRecord::key).containsOnly("a");
        assertThat(a).extracting(r -> CloudEventHeaders.type(r).orElseThrow())
                .containsExactly("google.protobuf.Struct", "google.protobuf.Struct", "google.rpc.ErrorInfo");
        assertThat(decoder.decode(a.get(1), Struct.class)).contains(metrics(2, 4.0));
        assertThatThrownBy(() -> KeyedEvents.readUntil(bootstrap, topic, "b",
                r -> decoder.decode(r, ErrorInfo.class).isPresent(), Duration.ofSeconds(3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no closing event of b on " + topic)
                .hasMessageContaining("[google.protobuf.Struct]");
    }

    @Test
    void publishesProtobufValuesWithCloudEventsHeadersInKeyOrder() throws Exception {
        String topic = "events-test-" + UUID.randomUUID();
        createTopic(topic, 3);
        Instant now = Instant.parse("2026-05-04T03:02:01.123Z");
        Struct first = metrics(1, 4.5);
        Struct second = metrics(2, 4.25);
        ErrorInfo other = ErrorInfo.newBuilder().setReason("RUN_DIVERGED").setDomain("optimesh.io").build();

        RecordMetadata m1;
        RecordMetadata m2;
        try (EventPublisher publisher = new EventPublisher(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                SOURCE, Clock.fixed(now, ZoneOffset.UTC))) {
            CompletableFuture<RecordMetadata> f1 = publisher.publish(topic, "runs/r1", first);
            CompletableFuture<RecordMetadata> f2 = publisher.publish(topic, "runs/r1", second);
            publisher.publish(topic, "runs/r2", other);
            publisher.flush();
            assertThat(f1).isDone();
            m1 = f1.get();
            m2 = f2.get();
        }
        assertThat(m2.partition()).isEqualTo(m1.partition());
        assertThat(m2.offset()).isEqualTo(m1.offset() + 1);

        List<ConsumerRecord<String, byte[]>> records = readAll(topic, 3);
        assertThat(records).hasSize(3);
        List<ConsumerRecord<String, byte[]>> r1 = records.stream().filter(r -> r.key().equals("runs/r1")).toList();
        assertThat(r1).extracting(ConsumerRecord::offset).containsExactly(m1.offset(), m2.offset());

        EventDecoder decoder = EventDecoder.of(Struct.getDefaultInstance());
        assertThat(r1.stream().map(decoder::decode).map(o -> o.orElseThrow())).containsExactly(first, second);
        ConsumerRecord<String, byte[]> r2 = records.stream().filter(r -> r.key().equals("runs/r2")).findFirst().orElseThrow();
        assertThat(decoder.decode(r2)).isEmpty();
        assertThat(ErrorInfo.parseFrom(r2.value())).isEqualTo(other);

        for (ConsumerRecord<String, byte[]> r : records) {
            assertThat(CloudEventHeaders.specVersion(r)).contains("1.0");
            assertThat(CloudEventHeaders.source(r)).contains(SOURCE);
            assertThat(CloudEventHeaders.contentType(r)).contains("application/protobuf");
            assertThat(CloudEventHeaders.time(r)).contains(now);
            assertThat(CloudEventHeaders.text(r.headers(), CloudEventHeaders.TIME)).contains("2026-05-04T03:02:01.123Z");
            assertThat(UUID.fromString(CloudEventHeaders.id(r).orElseThrow())).isNotNull();
        }
        assertThat(CloudEventHeaders.type(r1.get(0))).contains("google.protobuf.Struct");
        assertThat(CloudEventHeaders.type(r2)).contains("google.rpc.ErrorInfo");
        assertThat(records.stream().map(r -> CloudEventHeaders.id(r).orElseThrow()).distinct()).hasSize(3);
    }

    @Test
    void forcesIdempotenceAndAcksAllWhateverTheCallerAsks() {
        Map<String, Object> config = EventPublisher.effectiveConfig(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                ProducerConfig.ACKS_CONFIG, "0",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.LINGER_MS_CONFIG, 5));

        assertThat(config).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    }

    @Test
    void aSendAfterCloseFailsTheFutureInsteadOfThrowing() {
        EventPublisher publisher = new EventPublisher(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), SOURCE);
        publisher.close(Duration.ofSeconds(5));

        CompletableFuture<RecordMetadata> sent = publisher.publish(Topics.RUNS, "runs/r3", metrics(3, 1.0));

        assertThatThrownBy(() -> sent.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void topicNamesAreVersionedAndDistinct() {
        assertThat(Topics.ALL).containsExactly(Topics.RUNS, Topics.STUDIES, Topics.AGENTS, Topics.PREDICTIONS, Topics.MERGES)
                .doesNotHaveDuplicates()
                .allMatch(t -> t.matches("optimesh\\.[a-z]+\\.v1"));
    }

    private static Struct metrics(int step, double loss) {
        return Struct.newBuilder()
                .putFields("step", Value.newBuilder().setNumberValue(step).build())
                .putFields("loss", Value.newBuilder().setNumberValue(loss).build())
                .build();
    }

    private static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String topic, int partitions) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(30));
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            return out;
        }
    }
}
