package io.optimesh.trainer.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.optimesh.trainer.events.KafkaRunEvents;
import io.optimesh.trainer.run.CheckpointEvaluator;
import io.optimesh.trainer.run.RunDefaults;
import io.optimesh.trainer.run.RunManager;
import io.optimesh.trainer.run.RunPlanner;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Builds the run manager and the checkpoint evaluator from {@link TrainerConfig}. */
public class TrainerBeans {

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
    RunManager runManager(TrainerConfig config, KafkaRunEvents events, MeterRegistry meters) {
        RunPlanner planner = new RunPlanner(new RunDefaults(config.device(), config.evalBatches(),
                config.metricsBatchSize(), config.keepLastCheckpoints(), config.divergenceFactor()));
        return new RunManager(planner, config.stateDir().resolve("checkpoints").resolve("runs"), events, meters,
                config.maxQueuedRuns(), config.stopWait());
    }

    @Produces
    @Singleton
    CheckpointEvaluator checkpointEvaluator(TrainerConfig config) {
        return new CheckpointEvaluator(config.device(), config.evalBatches(), config.evalBatchSize());
    }

    /** A run in progress stops after its current step and saves a checkpoint, so it can be resumed. */
    void stopRuns(@Observes ShutdownEvent event, RunManager runs, TrainerConfig config) {
        runs.shutdown(config.stopWait());
    }
}
