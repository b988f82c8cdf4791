package io.optimesh.trainer.api;

import io.optimesh.core.events.CloudEventHeaders;
import io.optimesh.core.events.KeyedEvents;
import io.optimesh.core.events.Topics;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupShape;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

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

    /**
     * The records of {@code key} on the runs topic, from the beginning, up to and including the
     * first one that {@code last} accepts (failing after 60 s without one).
     */
    static List<ConsumerRecord<String, byte[]>> readUntil(String bootstrapServers, String key,
            Predicate<ConsumerRecord<String, byte[]>> last) {
        return KeyedEvents.readUntil(bootstrapServers, Topics.RUNS, key, last, Duration.ofSeconds(60));
    }

    /** Everything of {@code key} up to its first terminal event. */
    static List<ConsumerRecord<String, byte[]>> readExecution(String bootstrapServers, String key) {
        return readUntil(bootstrapServers, key, r -> TERMINAL_EVENTS.contains(type(r)));
    }

    static String type(ConsumerRecord<String, byte[]> record) {
        return CloudEventHeaders.type(record).orElse("");
    }
}
