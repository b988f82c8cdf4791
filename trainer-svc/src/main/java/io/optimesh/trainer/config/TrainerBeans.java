package io.optimesh.trainer.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.optimesh.trainer.events.KafkaRunEvents;
import io.optimesh.trainer.model.Precision;
import io.optimesh.trainer.run.CheckpointEvaluator;
import io.optimesh.trainer.run.RunDefaults;
import io.optimesh.trainer.run.RunManager;
import io.optimesh.trainer.run.RunPlanner;
import io.optimesh.trainer.training.Devices;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/** Builds the run manager and the checkpoint evaluator from {@link TrainerConfig}. */
public class TrainerBeans {

    /** How long shutdown waits for queued run events to reach the Kafka producer. */
    private static final Duration EVENTS_DRAIN = Duration.ofSeconds(10);

    static {
        // The PyTorch native library ships in pytorch-native-cpu; DJL must never try to download one.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /** Created at startup, so that loading PyTorch and Europarl happens before the first run. */
    @Produces
    @Singleton
    @Startup
    RunManager runManager(TrainerConfig config, KafkaRunEvents events, MeterRegistry meters,
            OptimizerReplicas optimizers) {
        try {
            Precision.parse(config.precision()).requireSupported(Devices.resolve(config.device()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("optimesh.trainer.precision=" + config.precision() + ": " + e.getMessage(), e);
        }
        RunPlanner planner = new RunPlanner(new RunDefaults(config.device(), config.evalBatches(),
                config.metricsBatchSize(), config.keepLastCheckpoints(), config.divergenceFactor(),
                optimizers.channels().size()));
        return new RunManager(planner, config.stateDir().resolve("checkpoints").resolve("runs"), events, meters,
                config.maxQueuedRuns(), config.stopWait(), optimizers.channels());
    }

    @Produces
    @Singleton
    CheckpointEvaluator checkpointEvaluator(TrainerConfig config) {
        return new CheckpointEvaluator(config.device(), config.evalBatches(), config.evalBatchSize());
    }

    /**
     * The first sign of shutdown, before Quarkus waits for in-flight calls: a run in progress stops
     * after its current step and saves a checkpoint (it can be resumed), and its WatchRun streams
     * end, so they do not hold the shutdown until its timeout.
     */
    void stopRuns(@Observes ShutdownDelayInitiatedEvent event, RunManager runs) {
        runs.beginShutdown();
    }

    /** Waits for the stopping run, then for its last events to reach the producer (closed after this). */
    void awaitRuns(@Observes ShutdownEvent event, RunManager runs, TrainerConfig config) {
        runs.shutdown(config.stopWait(), EVENTS_DRAIN);
    }
}
