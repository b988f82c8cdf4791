package io.optimesh.cli.bench;

import io.optimesh.cli.Home;
import io.optimesh.cli.MeshService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "optimizers", mixinStandardHelpOptions = true,
        description = "Seed 000's comparison: the tiny GPT on Europarl with SGD, Momentum, AdaGrad, RMSProp, Adam,"
                + " AdamW and seed-adaptive (those the trainer runs), a learning-rate sweep each, same token budget,"
                + " several seeds; prints validation loss, perplexity and next-token accuracy.")
public class OptimizersBenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "A smoke run of about a minute: 40 steps, 2 seeds, one rate each.")
    boolean quick;

    @Option(names = "--steps", description = "Steps per run (default: 300, or 40 with --quick).")
    Integer steps;

    @Option(names = "--seeds", description = "Seeds per rate (default: 3, or 2 with --quick).")
    Integer seeds;

    @Option(names = "--optimizers", split = ",", paramLabel = "NAME",
            description = "Run only these optimizers, in this order (comma-separated; default: all seven).")
    List<String> optimizers;

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>();
        if (quick) {
            args.add("--quick");
        }
        if (steps != null) {
            args.add("--steps");
            args.add(steps.toString());
        }
        if (seeds != null) {
            args.add("--seeds");
            args.add(seeds.toString());
        }
        if (optimizers != null) {
            args.add("--optimizers");
            args.add(String.join(",", optimizers));
        }
        return ModuleMain.run(Home.resolve(), MeshService.TRAINER, "1g", "io.optimesh.trainer.bench.OptimizersBench",
                args);
    }
}
