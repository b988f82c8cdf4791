package io.optimesh.cli.bench;

import io.optimesh.cli.Home;
import io.optimesh.cli.MeshService;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "law", mixinStandardHelpOptions = true,
        description = "Back-test the loss-curve laws on a directory of curve sets and time a fit and a prediction.")
public class LawBenchCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1",
            description = "Directory with one sub-directory of curves per model (default: shared/data/mpl-curves"
                    + " beside the repository).")
    Path curves;

    @Override
    public Integer call() {
        Path home = Home.resolve();
        Path dir = curves != null ? curves : home.resolveSibling("shared").resolve("data").resolve("mpl-curves");
        return ModuleMain.run(home, MeshService.LAW, "1g", "io.optimesh.law.backtest.LawBench",
                List.of(dir.toAbsolutePath().toString()));
    }
}
