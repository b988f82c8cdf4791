package io.optimesh.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the mesh keeps its state; every command takes it, so a later command finds an earlier mesh. */
public class StateOptions {

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:OPTIMESH_STATE_DIR}",
            description = "State, logs and checkpoints (env OPTIMESH_STATE_DIR; default: .optimesh/ in the repository).")
    Path stateDir;

    public MeshLayout layout() {
        return MeshLayout.of(Home.resolve(), stateDir);
    }
}
