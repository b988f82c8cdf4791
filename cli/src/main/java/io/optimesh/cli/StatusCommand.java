package io.optimesh.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show each process of the mesh: whether it runs and what its health check says."
                + " Exit status 0 when all are healthy, 1 when not, 3 when no mesh is running.")
public class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StateOptions state;

    @Override
    public Integer call() {
        return new Mesh(spec.commandLine().getOut(), spec.commandLine().getErr()).status(state.layout());
    }
}
