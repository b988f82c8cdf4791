package io.optimesh.cli.law;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code optimesh law ...}: law-svc of a running mesh, fed curves from CSV files. */
@Command(name = "law", mixinStandardHelpOptions = true,
        description = "Fit loss-curve laws to curves in CSV files (step,lr,loss; X.lr.csv beside X.csv gives every"
                + " step's LR), predict, rank and optimise schedules, and back-test, with law-svc of a running mesh.",
        subcommands = {FitCommand.class, PredictCommand.class, RankCommand.class, OptimizeCommand.class,
                BacktestCommand.class, CommandLine.HelpCommand.class})
public class LawCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
