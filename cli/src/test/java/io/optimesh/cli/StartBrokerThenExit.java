package io.optimesh.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * Starts the mesh's broker as {@code up} does, records it in mesh.json and exits through the normal
 * shutdown path, hooks included: what a finished {@code ./optimesh up} leaves behind.
 * Arguments: state directory, client port, controller port.
 */
public final class StartBrokerThenExit {

    private StartBrokerThenExit() {
    }

    public static void main(String[] args) {
        MeshLayout layout = MeshLayout.of(Path.of("").toAbsolutePath(), Path.of(args[0]));
        int port = Integer.parseInt(args[1]);
        int controllerPort = Integer.parseInt(args[2]);
        MeshPlan plan = new MeshPlan(layout, List.of(MeshService.OPTIMIZER), 20080, port, controllerPort);
        ProcessHandle broker = MeshBroker.start(plan);
        MeshState.started(layout, plan.bootstrapServers())
                .with(MeshState.Entry.of(MeshPlan.KAFKA, broker, port, List.of(controllerPort)))
                .write(layout.meshFile());
        System.exit(0);
    }
}
