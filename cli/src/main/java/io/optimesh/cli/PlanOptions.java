package io.optimesh.cli;

import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** Where the mesh listens and how long it may take to come up. */
public class PlanOptions {

    @Option(names = "--base-port", paramLabel = "PORT", defaultValue = "${env:OPTIMESH_BASE_PORT:-8080}",
            description = "agent-coordinator's port; trainer-svc, optimizer-svc, law-svc and merge-svc take the next"
                    + " four (env OPTIMESH_BASE_PORT; default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "${env:OPTIMESH_KAFKA_PORT:-9092}",
            description = "The broker's client port (env OPTIMESH_KAFKA_PORT; default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--kafka-controller-port", paramLabel = "PORT",
            description = "The broker's KRaft controller port (default: the client port + 1).")
    Integer controllerPort;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "${env:OPTIMESH_START_TIMEOUT:-240}",
            description = "How long the services may take to become healthy (env OPTIMESH_START_TIMEOUT;"
                    + " default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    public MeshPlan plan(MeshLayout layout, List<MeshService> services) {
        return new MeshPlan(layout, services, basePort, kafkaPort, controllerPort == null ? kafkaPort + 1 : controllerPort);
    }

    public Duration startTimeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }
}
