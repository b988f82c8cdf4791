package io.optimesh.cli.law;

import io.optimesh.cli.Table;
import io.optimesh.v1.BacktestRequest;
import io.optimesh.v1.BacktestResponse;
import io.optimesh.v1.CurveError;
import io.optimesh.v1.LawKind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = "Fit a law on every curve of --fit and predict every logged point of the --test curves from"
                + " their schedules alone: relative error |predicted - actual| / actual per curve and overall.")
public class BacktestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LawEndpoint endpoint;

    @Option(names = "--fit", required = true, split = ",", paramLabel = "PATH",
            description = "Curves to fit on: X.csv files or directories of them.")
    List<Path> fit;

    @Option(names = "--test", required = true, split = ",", paramLabel = "PATH",
            description = "Curves to predict: X.csv files or directories of them.")
    List<Path> test;

    @Option(names = "--law", paramLabel = "KIND", defaultValue = "mpl", converter = LawKinds.class,
            description = LawKinds.NAMES + " (default: ${DEFAULT-VALUE}).")
    LawKind kind;

    @Option(names = "--json", description = "End with one JSON line: mean_rel_error, worst_rel_error and curves.")
    boolean json;

    @Override
    public Integer call() {
        BacktestRequest request = BacktestRequest.newBuilder().setKind(kind)
                .addAllFitCurves(CurveFiles.read(fit)).addAllTestCurves(CurveFiles.read(test)).build();
        BacktestResponse response = endpoint.call(law -> law.backtest(request));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(LawOutput.line(json(response)));
        } else {
            out.printf(Locale.ROOT, "%s fitted on %s in %.2f s%n", LawKinds.name(kind),
                    request.getFitCurvesList().stream().map(c -> c.getName()).toList(),
                    response.getLaw().getQuality().getSeconds());
            Table table = new Table("test curve", "points", "mean rel error", "worst rel error");
            for (CurveError c : response.getCurvesList()) {
                table.row(c.getName(), c.getPoints(), LawOutput.percent(c.getMeanRelativeError()),
                        LawOutput.percent(c.getWorstRelativeError()));
            }
            table.row("all", response.getCurvesList().stream().mapToInt(CurveError::getPoints).sum(),
                    LawOutput.percent(response.getMeanRelativeError()),
                    LawOutput.percent(response.getWorstRelativeError()));
            table.print(out);
        }
        out.flush();
        return 0;
    }

    /** The JSON line: over all logged points of all test curves, then per curve. */
    static Map<String, Object> json(BacktestResponse response) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("mean_rel_error", response.getMeanRelativeError());
        line.put("worst_rel_error", response.getWorstRelativeError());
        line.put("curves", response.getCurvesList().stream().map(c -> {
            Map<String, Object> curve = new LinkedHashMap<>();
            curve.put("name", c.getName());
            curve.put("mean_rel_error", c.getMeanRelativeError());
            curve.put("worst_rel_error", c.getWorstRelativeError());
            return curve;
        }).toList());
        return line;
    }
}
