package io.optimesh.cli.bench;

import io.optimesh.cli.Home;
import io.optimesh.cli.MeshService;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "optimizer", mixinStandardHelpOptions = true,
        description = "AdamW update throughput against memory-copy bandwidth, and the overhead of a step"
                + " through optimizer-svc over loopback gRPC.")
public class OptimizerBenchCommand implements Callable<Integer> {

    @Option(names = "--parameters", defaultValue = "100000000",
            description = "fp32 parameters of the throughput part (default: ${DEFAULT-VALUE}).")
    int parameters;

    @Option(names = "--threads", defaultValue = "0",
            description = "Cores the update may use; 0 for all (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() {
        // p, g, m and v take 16 bytes a parameter; the rest is the 3.3M-parameter remote model and gRPC.
        long heapMiB = 16L * parameters / (1 << 20) + 1536;
        return ModuleMain.run(Home.resolve(), MeshService.OPTIMIZER, heapMiB + "m",
                "io.optimesh.optimizer.bench.OptimizerBench",
                List.of(Integer.toString(parameters), Integer.toString(threads)));
    }
}
