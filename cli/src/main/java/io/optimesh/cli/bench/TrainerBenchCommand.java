package io.optimesh.cli.bench;

import io.optimesh.cli.Home;
import io.optimesh.cli.MeshService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = "Train a preset in trainer-svc's code and report its model FLOPs throughput as a fraction of"
                + " the fp32 matmul peak measured in the same run, and tokens/s.")
public class TrainerBenchCommand implements Callable<Integer> {

    @Option(names = "--preset", description = "Model preset (default: small).")
    String preset;

    @Option(names = "--batch", description = "Rows per step (default: 16).")
    Integer batch;

    @Option(names = "--sequence", description = "Tokens per row (default: the preset's context).")
    Integer sequence;

    @Option(names = "--steps", description = "Optimizer steps (default: 20).")
    Integer steps;

    @Option(names = "--warmup", description = "Leading steps left out of the timing (default: 3).")
    Integer warmup;

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>();
        add(args, "--preset", preset);
        add(args, "--batch", batch);
        add(args, "--sequence", sequence);
        add(args, "--steps", steps);
        add(args, "--warmup", warmup);
        return ModuleMain.run(Home.resolve(), MeshService.TRAINER, "2g", "io.optimesh.trainer.bench.TrainerBench", args);
    }

    private static void add(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(value.toString());
        }
    }
}
