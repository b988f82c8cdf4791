package io.optimesh.cli;

import java.nio.file.Path;

/**
 * Where things are: the repository (OPTIMESH_HOME) holding the built service jars, and the state
 * directory holding the broker's data, the logs, the checkpoints and {@code mesh.json}.
 */
public record MeshLayout(Path home, Path stateDir) {

    public static final String DEFAULT_STATE_DIR = ".optimesh";

    public MeshLayout {
        home = home.toAbsolutePath().normalize();
        stateDir = stateDir.toAbsolutePath().normalize();
    }

    /**
     * The state directory defaults to {@code .optimesh/} under the repository; one given explicitly is
     * taken relative to the working directory, like any path typed in a shell.
     */
    public static MeshLayout of(Path home, Path stateDirOrNull) {
        Path state = stateDirOrNull == null ? home.resolve(DEFAULT_STATE_DIR) : stateDirOrNull;
        return new MeshLayout(home, state);
    }

    public Path kafkaDir() {
        return stateDir.resolve("kafka");
    }

    public Path logsDir() {
        return stateDir.resolve("logs");
    }

    public Path checkpointsDir() {
        return stateDir.resolve("checkpoints");
    }

    public Path meshFile() {
        return stateDir.resolve("mesh.json");
    }

    /** A service's log, or the broker's (LocalKafkaBroker keeps it beside its data) for {@link MeshPlan#KAFKA}. */
    public Path logFile(String name) {
        return MeshPlan.KAFKA.equals(name) ? kafkaDir().resolve("kafka.log") : logsDir().resolve(name + ".log");
    }

    public Path serviceJar(MeshService service) {
        return home.resolve(service.id()).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
    }
}
