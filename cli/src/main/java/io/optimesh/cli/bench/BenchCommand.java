package io.optimesh.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code optimesh bench NAME}: the benchmark programs. Each prints its figures as ratios to a
 * reference measured in the same run on the same machine, and ends with one JSON line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run a benchmark; each ends with one JSON line of its figures.",
        subcommands = {LawBenchCommand.class, MergeBenchCommand.class, OptimizerBenchCommand.class,
                CommandLine.HelpCommand.class})
public class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
