package io.optimesh.cli;

import io.optimesh.core.mesh.LocalKafkaBroker;
import java.time.Duration;

/** The mesh's broker: core's LocalKafkaBroker, run from this CLI's classpath and left running when we exit. */
final class MeshBroker {

    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

    private MeshBroker() {
    }

    static ProcessHandle start(MeshPlan plan) {
        LocalKafkaBroker broker;
        try {
            broker = LocalKafkaBroker.builder(plan.layout().kafkaDir(), BrokerClasspath.current())
                    .port(plan.kafkaPort())
                    .controllerPort(plan.controllerPort())
                    .startupTimeout(STARTUP_TIMEOUT)
                    // The broker outlives this command; down stops it by the pid mesh.json records.
                    .stopOnExit(false)
                    .start();
        } catch (RuntimeException e) {
            throw new MeshException("the Kafka broker did not start on " + plan.bootstrapServers() + ": "
                    + e.getMessage() + "\nIf the log shows its data is damaged or from another Kafka version, remove "
                    + plan.layout().kafkaDir() + " and run up again.", e);
        }
        long pid = broker.pid();
        return ProcessHandle.of(pid).orElseThrow(() -> new MeshException(
                "the Kafka broker exited right after it started; see " + plan.layout().logFile(MeshPlan.KAFKA)));
    }
}
