package io.optimesh.trainer.bench;

import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.optimesh.trainer.config.OptimizerReplicas;
import io.optimesh.trainer.run.RunDefaults;
import io.optimesh.trainer.run.RunEvents;
import io.optimesh.trainer.run.RunManager;
import io.optimesh.trainer.run.RunPlanner;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.StepMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The trainer's own {@link RunManager} in this JVM, without a broker: a benchmark hands it run specs
 * exactly as CreateRun would, one at a time, and reads what a WatchRun client would see. Checkpoints
 * go to a temporary directory removed on close. Given optimizer-svc replicas, runs may place their
 * optimizer there, over the same plain channels the service opens (OptimizerReplicas).
 */
final class LocalTrainer implements AutoCloseable {

    /** How a run ended and every step's metrics, in step order. */
    record Result(Run run, List<StepMetrics> steps) {}

    /** The benchmarks read runs through watch; there is no broker to publish to. */
    private static final RunEvents NO_BROKER = new RunEvents() {
        @Override
        public void publish(String runId, Message event) {}

        @Override
        public void drain(Duration timeout) {}
    };

    private final Path checkpoints;
    private final List<ManagedChannel> replicas;
    private final RunManager runs;

    /** A trainer whose runs all keep their optimizer in process. */
    LocalTrainer(int evalBatches) {
        this(evalBatches, List.of());
    }

    /**
     * @param optimizerReplicas {@code host:port} of each optimizer-svc replica, in shard order, for runs
     *     placing their optimizer remotely (none: such runs are refused)
     */
    LocalTrainer(int evalBatches, List<String> optimizerReplicas) {
        try {
            checkpoints = Files.createTempDirectory("optimesh-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        replicas = optimizerReplicas.stream().map(OptimizerReplicas::open).toList();
        RunDefaults defaults = new RunDefaults("cpu", evalBatches, 10, 1, 3.0, replicas.size());
        runs = new RunManager(new RunPlanner(defaults), checkpoints, NO_BROKER, new SimpleMeterRegistry(), 1,
                Duration.ofSeconds(30), replicas);
    }

    /** Trains {@code spec} to its end (succeeded, diverged or failed) and returns what happened. */
    Result train(RunSpec spec) {
        return train(spec, metrics -> {});
    }

    /**
     * {@link #train(RunSpec)}, calling {@code afterSteps} on the training thread with each batch of
     * step metrics as it is reported (every step when the spec's metrics batch size is 1), between
     * steps and outside their timing.
     */
    Result train(RunSpec spec, Consumer<List<StepMetrics>> afterSteps) {
        Run created = runs.create("", "", spec);
        List<StepMetrics> steps = new ArrayList<>();
        CompletableFuture<Run> ended = new CompletableFuture<>();
        runs.watch(created.getName(), update -> {
            synchronized (steps) {
                steps.addAll(update.metrics());
            }
            if (!update.metrics().isEmpty()) {
                afterSteps.accept(update.metrics());
            }
            if (update.last()) {
                ended.complete(update.run());
            }
        });
        Run run = ended.join();
        synchronized (steps) {
            return new Result(run, steps.stream().sorted(Comparator.comparingLong(StepMetrics::getStep)).toList());
        }
    }

    @Override
    public void close() {
        runs.shutdown(Duration.ofSeconds(30), Duration.ZERO);
        replicas.forEach(ManagedChannel::shutdown);
        for (ManagedChannel channel : replicas) {
            try {
                if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(checkpoints)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
