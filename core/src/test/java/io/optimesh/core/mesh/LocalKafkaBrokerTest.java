package io.optimesh.core.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaBrokerTest {

    private static final String CLASSPATH = System.getProperty("java.class.path");

    @TempDir
    Path stateDir;

    @Test
    void startsServesARecordStopsAndKeepsItsDataForTheNextStart() throws Exception {
        String topic = "local-broker-test";
        int port;
        int controllerPort;
        long pid;
        try (LocalKafkaBroker broker = LocalKafkaBroker.builder(stateDir, CLASSPATH).port(0).controllerPort(0).start()) {
            port = broker.port();
            controllerPort = broker.controllerPort();
            pid = broker.pid();
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            assertThat(port).isPositive().isNotEqualTo(controllerPort);
            assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(broker.isRunning()).isTrue();

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
                assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(topic).partitions()).hasSize(2);
            }
            RecordMetadata written = produce(broker.bootstrapServers(), topic, "run-1", "step 7 loss 2.5");
            assertThat(written.offset()).isZero();
            assertThat(readAll(broker.bootstrapServers(), new TopicPartition(topic, written.partition())))
                    .containsExactly("run-1=step 7 loss 2.5");
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertPortFree(port);
        assertPortFree(controllerPort);
        assertThat(Files.readString(stateDir.resolve("kafka.log"), StandardCharsets.UTF_8))
                .contains("Kafka Server started");

        // Same state directory, new ports: the storage is not formatted again and the record survives.
        String metaBefore = Files.readString(stateDir.resolve("data/meta.properties"));
        try (LocalKafkaBroker again = LocalKafkaBroker.builder(stateDir, CLASSPATH).port(0).controllerPort(0).start()) {
            assertThat(Files.readString(stateDir.resolve("data/meta.properties"))).isEqualTo(metaBefore);
            List<String> all = new ArrayList<>();
            for (int partition = 0; partition < 2; partition++) {
                all.addAll(readAll(again.bootstrapServers(), new TopicPartition(topic, partition)));
            }
            assertThat(all).containsExactly("run-1=step 7 loss 2.5");
        }
    }

    @Test
    void refusesAPortInUseBeforeStartingAnything() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            LocalKafkaBroker.Builder builder =
                    LocalKafkaBroker.builder(stateDir, CLASSPATH).port(taken.getLocalPort()).controllerPort(0);

            assertThatThrownBy(builder::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("broker port 127.0.0.1:" + taken.getLocalPort() + " is already in use");
        }
        assertThat(stateDir).isEmptyDirectory();
    }

    @Test
    void aBrokerThatCannotStartFailsWithItsLog() {
        // A classpath without Kafka: the storage formatter's JVM exits at once.
        LocalKafkaBroker.Builder builder = LocalKafkaBroker.builder(stateDir, stateDir.toString()).port(0).controllerPort(0)
                .startupTimeout(Duration.ofSeconds(60));

        assertThatThrownBy(builder::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Formatting Kafka storage failed with exit code 1")
                .hasMessageContaining(stateDir.resolve("kafka.log").toString())
                .hasMessageContaining("kafka.tools.StorageTool");
    }

    private static RecordMetadata produce(String bootstrap, String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            // A topic just created is hosted a moment later: a busy broker can still answer the first
            // produce with UNKNOWN_TOPIC_OR_PARTITION, which this client reports instead of retrying.
            for (int attempt = 1; ; attempt++) {
                try {
                    return producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt == 20) {
                        throw e;
                    }
                    Thread.sleep(500);
                }
            }
        }
    }

    /** Every record of one partition, as key=value, read until the end offset seen at the start. */
    private static List<String> readAll(String bootstrap, TopicPartition tp) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(Set.of(tp));
            consumer.seekToBeginning(Set.of(tp));
            long end = consumer.endOffsets(Set.of(tp), Duration.ofSeconds(30)).get(tp);
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(tp, Duration.ofSeconds(30)) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(r.key() + "=" + r.value());
                }
            }
            return out;
        }
    }

    private static void assertPortFree(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }
}
