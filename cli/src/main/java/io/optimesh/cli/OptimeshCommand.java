package io.optimesh.cli;

import io.optimesh.cli.bench.BenchCommand;
import io.optimesh.cli.law.LawCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "optimesh", mixinStandardHelpOptions = true, versionProvider = OptimeshCommand.Version.class,
        description = "Run the OptiMesh services on this machine: a real Kafka broker and the five gRPC services"
                + " as separate processes, with state, logs and checkpoints under one directory.",
        subcommands = {DemoCommand.class, BenchCommand.class, LawCommand.class, UpCommand.class, StatusCommand.class, LogsCommand.class, DownCommand.class,
                CommandLine.HelpCommand.class})
public class OptimeshCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        // The Kafka admin and gRPC clients log through slf4j-simple; only their warnings belong on a terminal.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: a {@link MeshException} is one clear message, exit 1. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new OptimeshCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof MeshException) {
                PrintWriter err = commandLine.getErr();
                err.println("optimesh: " + e.getMessage());
                err.flush();
                return 1;
            }
            throw e;
        });
        return cli;
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = OptimeshCommand.class.getPackage().getImplementationVersion();
            return new String[] {"optimesh " + (version == null ? "(development build)" : version)};
        }
    }
}
