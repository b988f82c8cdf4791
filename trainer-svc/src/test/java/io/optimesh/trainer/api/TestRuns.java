package io.optimesh.trainer.api;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.optimesh.core.events.CloudEventHeaders;
import io.optimesh.core.events.Topics;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupShape;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Specs, channels and a reader of the runs topic for the service tests. */
final class TestRuns {

    /** Event types that end a run's execution. */
    static final Set<String> TERMINAL_EVENTS = Set.of("optimesh.v1.RunFinished", "optimesh.v1.RunDiverged",
            "optimesh.v1.RunFailed", "optimesh.v1.RunStopped");

    private TestRuns() {}

    /** The tiny preset on rows of 32 bytes, 8 per step: a step takes milliseconds. */
    static RunSpec.Builder tinySpec(long steps, double peakLr) {
        return RunSpec.newBuilder()
                .setModelPreset("tiny")
                .setSteps(steps)
                .setBatchSize(8)
                .setSequenceLength(32)
                .setSeed(7)
                .setEvalBatches(2)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1)
                        .setGradientClipNorm(1.0))
                .setSchedule(Schedule.newBuilder()
                        .setTotalSteps(steps)
                        .setPeakLr(peakLr)
                        .setWarmup(Warmup.newBuilder().setSteps(Math.min(5, steps - 1))
                                .setShape(WarmupShape.WARMUP_SHAPE_LINEAR))
                        .setConstant(ConstantFamily.getDefaultInstance()));
    }

    static ManagedChannel open(URL testUrl) {
        return ManagedChannelBuilder.forAddress(testUrl.getHost(), testUrl.getPort()).usePlaintext().build();
    }

    static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /**
     * The records of {@code key} on the runs topic, from the beginning, up to and including the
     * first one that {@code last} accepts (failing after 60 s without one).
     */
    static List<ConsumerRecord<String, byte[]>> readUntil(String bootstrapServers, String key,
            Predicate<ConsumerRecord<String, byte[]>> last) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                partitions = consumer.partitionsFor(Topics.RUNS, Duration.ofSeconds(10)).stream()
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
        throw new AssertionError("no closing event of " + key + " on " + Topics.RUNS + " within 60 s; saw "
                + found.stream().map(TestRuns::type).toList());
    }

    /** Everything of {@code key} up to its first terminal event. */
    static List<ConsumerRecord<String, byte[]>> readExecution(String bootstrapServers, String key) {
        return readUntil(bootstrapServers, key, r -> TERMINAL_EVENTS.contains(type(r)));
    }

    static String type(ConsumerRecord<String, byte[]> record) {
        return CloudEventHeaders.type(record).orElse("");
    }
}
