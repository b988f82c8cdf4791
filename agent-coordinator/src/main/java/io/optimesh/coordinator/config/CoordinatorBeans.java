package io.optimesh.coordinator.config;

import io.optimesh.coordinator.events.KafkaStudyEventLog;
import io.optimesh.coordinator.events.PredictionReader;
import io.optimesh.coordinator.events.StudyLogReader;
import io.optimesh.coordinator.execution.StudyRunner;
import io.optimesh.coordinator.execution.TrialExecutor;
import io.optimesh.coordinator.pruning.LatestForecasts;
import io.optimesh.coordinator.search.LawServiceRanker;
import io.optimesh.coordinator.study.Studies;
import io.optimesh.coordinator.study.StudyEventLog;
import io.optimesh.v1.LawServiceGrpc;
import io.quarkus.grpc.GrpcClient;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Clock;
import java.util.Optional;

/** Wires the domain (which knows nothing of CDI) to the configuration. */
public class CoordinatorBeans {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    KafkaStudyEventLog kafkaStudyEventLog(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            CoordinatorConfig config) {
        return new KafkaStudyEventLog(
                bootstrapServers, config.studiesTopic(), config.eventSource());
    }

    void closeKafkaStudyEventLog(@Disposes KafkaStudyEventLog log) {
        log.close();
    }

    @Produces
    @Singleton
    StudyLogReader studyLogReader(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            CoordinatorConfig config) {
        return new StudyLogReader(bootstrapServers, config.studiesTopic());
    }

    @Produces
    @Singleton
    LatestForecasts latestForecasts() {
        return new LatestForecasts();
    }

    /** Started by {@link StudyLogRecovery}, before the study log is replayed. */
    @Produces
    @Singleton
    PredictionReader predictionReader(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            CoordinatorConfig config,
            LatestForecasts forecasts) {
        return new PredictionReader(
                bootstrapServers,
                config.predictionsTopic(),
                config.predictionsRefresh(),
                forecasts);
    }

    void closePredictionReader(@Disposes PredictionReader reader) {
        reader.close();
    }

    @Produces
    @Singleton
    Studies studies(StudyEventLog log, Clock clock) {
        return new Studies(log, clock);
    }

    @Produces
    @Singleton
    StudyRunner studyRunner(
            Studies studies,
            TrialExecutor executor,
            Clock clock,
            CoordinatorConfig config,
            LatestForecasts forecasts,
            @GrpcClient("law") LawServiceGrpc.LawServiceBlockingStub law) {
        return new StudyRunner(
                studies,
                executor,
                clock,
                new StudyRunner.Settings(
                        config.defaultMaxRetries(),
                        config.gridPointsPerAxis(),
                        config.tickInterval(),
                        config.retryBackoff()),
                Optional.of(forecasts),
                Optional.of(new LawServiceRanker(law, config.lawDeadline())));
    }

    void closeStudyRunner(@Disposes StudyRunner runner) {
        runner.close();
    }
}
