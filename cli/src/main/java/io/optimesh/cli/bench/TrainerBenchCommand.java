package io.optimesh.cli.bench;

import io.optimesh.cli.Home;
import io.optimesh.cli.Mesh;
import io.optimesh.cli.MeshLayout;
import io.optimesh.cli.MeshPlan;
import io.optimesh.cli.MeshService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code optimesh bench trainer}: starts optimizer-svc (and the broker every mesh has) on the bench's
 * own ports, runs trainer-svc's {@code TrainerBench} in its own JVM against it, so the benchmark
 * trains once with the optimizer in process and once with it in optimizer-svc, and stops the
 * service again, also when the benchmark fails or is interrupted.
 */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = "Train a preset in trainer-svc's code and report its model FLOPs throughput as a fraction of"
                + " the fp32 matmul peak measured in the same run, tokens/s, and the step time overhead of placing"
                + " the optimizer in optimizer-svc.")
public class TrainerBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

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

    @Option(names = "--base-port", defaultValue = "18380",
            description = "Base port of the bench's own mesh; optimizer-svc takes +2 (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--kafka-port", defaultValue = "19392", description = "The bench broker's port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--state-dir", description = "Where the bench's optimizer-svc keeps state and logs (default: a fresh"
            + " temporary directory).")
    Path stateDir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path home = Home.resolve();
        Path state = stateDir != null ? stateDir : Files.createTempDirectory("optimesh-bench-trainer-");
        MeshLayout layout = MeshLayout.of(home, state);
        MeshPlan plan = MeshPlan.of(layout, List.of(MeshService.OPTIMIZER), basePort, kafkaPort);
        Mesh mesh = new Mesh(out, spec.commandLine().getErr());
        out.println("Starting optimizer-svc (and a broker) for the remote optimizer placement ...");
        out.flush();
        mesh.up(plan, Duration.ofMinutes(3));
        // Ctrl-C ends this JVM without running the finally below; the hook stops the services then.
        Thread downOnExit = new Thread(() -> mesh.down(layout, Duration.ofSeconds(30)), "optimesh-bench-trainer-down");
        Runtime.getRuntime().addShutdownHook(downOnExit);
        try {
            List<String> args = new ArrayList<>();
            add(args, "--preset", preset);
            add(args, "--batch", batch);
            add(args, "--sequence", sequence);
            add(args, "--steps", steps);
            add(args, "--warmup", warmup);
            add(args, "--optimizer-replicas", plan.address(MeshService.OPTIMIZER));
            return ModuleMain.run(home, MeshService.TRAINER, "2g", "io.optimesh.trainer.bench.TrainerBench", args);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(downOnExit);
                mesh.down(layout, Duration.ofSeconds(30));
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting: the hook takes the mesh down.
            }
        }
    }

    private static void add(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(value.toString());
        }
    }
}
