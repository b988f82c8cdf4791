package io.optimesh.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop the mesh that up started (services, then the broker) and check its ports are free."
                + " Does nothing when no mesh is running.")
public class DownCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StateOptions state;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long each process may take to shut down cleanly before it is killed (default:"
                    + " ${DEFAULT-VALUE}).")
    long graceSeconds;

    @Override
    public Integer call() {
        boolean portsFree = new Mesh(spec.commandLine().getOut(), spec.commandLine().getErr())
                .down(state.layout(), Duration.ofSeconds(graceSeconds));
        return portsFree ? 0 : 1;
    }
}
