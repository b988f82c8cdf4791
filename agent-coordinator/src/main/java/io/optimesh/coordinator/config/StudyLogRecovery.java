package io.optimesh.coordinator.config;

import io.optimesh.coordinator.events.PredictionReader;
import io.optimesh.coordinator.events.StudyLogReader;
import io.optimesh.coordinator.execution.StudyRunner;
import io.optimesh.coordinator.study.Studies;
import io.optimesh.coordinator.study.StudyLogException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * On start, follows law-svc's predictions, rebuilds every study from optimesh.studies.v1 and only
 * then lets the runner take them up; on shutdown, stops the runner before anything it uses goes
 * away.
 */
@ApplicationScoped
public class StudyLogRecovery {

    private static final Logger LOG = Logger.getLogger(StudyLogRecovery.class);

    private final StudyLogReader reader;
    private final PredictionReader predictions;
    private final Studies studies;
    private final StudyRunner runner;
    private final CoordinatorConfig config;
    private final String bootstrapServers;
    private volatile boolean recovered;

    @Inject
    StudyLogRecovery(
            StudyLogReader reader,
            PredictionReader predictions,
            Studies studies,
            StudyRunner runner,
            CoordinatorConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.reader = reader;
        this.predictions = predictions;
        this.studies = studies;
        this.runner = runner;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    void onStart(@Observes StartupEvent event) {
        // Forecasts catch up while the studies are rebuilt; until a run has one, law-based
        // pruning lets it go on.
        predictions.start();
        StudyLogReader.Replayed replayed;
        try {
            replayed = reader.replay(config.replayTimeout(), studies::replay);
        } catch (StudyLogException e) {
            throw new IllegalStateException(
                    "cannot rebuild the studies from "
                            + config.studiesTopic()
                            + " (Kafka at "
                            + bootstrapServers
                            + "): start the broker (./optimesh up) or point KAFKA_BOOTSTRAP_SERVERS"
                            + " at it. "
                            + e.getMessage(),
                    e);
        }
        LOG.infof(
                "replayed %d events of %s (%d skipped): %d studies",
                replayed.events(), config.studiesTopic(), replayed.skipped(), studies.ids().size());
        runner.start();
        recovered = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        runner.close();
    }

    /** Whether the studies have been rebuilt and the runner is taking them up. */
    public boolean recovered() {
        return recovered;
    }
}
