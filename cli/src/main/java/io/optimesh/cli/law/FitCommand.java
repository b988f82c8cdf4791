package io.optimesh.cli.law;

import io.optimesh.cli.Table;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FitQuality;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawParameter;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Fit a law to curve files (or directories of them) and show its parameters and fit quality.")
public class FitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LawEndpoint endpoint;

    @Parameters(arity = "1..*", paramLabel = "CURVES", description = "X.csv files (step,lr,loss) or directories of them.")
    List<Path> curves;

    @Option(names = "--law", paramLabel = "KIND", defaultValue = "mpl", converter = LawKinds.class,
            description = LawKinds.NAMES + " (default: ${DEFAULT-VALUE}).")
    LawKind kind;

    @Option(names = "--save", paramLabel = "FILE", description = "Write the fitted law here (protobuf JSON) for"
            + " predict, rank and optimize --fitted.")
    Path save;

    @Option(names = "--json", description = "One JSON line instead of tables.")
    boolean json;

    @Override
    public Integer call() {
        FitLawRequest request = FitLawRequest.newBuilder().setKind(kind).addAllCurves(CurveFiles.read(curves)).build();
        FittedLaw law = endpoint.call(stub -> stub.fitLaw(request)).getLaw();
        if (save != null) {
            LawOutput.save(save, law);
        }
        PrintWriter out = spec.commandLine().getOut();
        FitQuality q = law.getQuality();
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("law", LawKinds.name(law.getKind()));
            line.put("curves", request.getCurvesList().stream().map(c -> c.getName()).toList());
            line.put("parameters", LawOutput.parameters(law));
            Map<String, Double> errors = new LinkedHashMap<>();
            law.getParametersList().forEach(p -> errors.put(p.getName(), p.getStandardError()));
            line.put("standard_errors", errors);
            line.put("mean_rel_error", q.getMeanRelativeError());
            line.put("worst_rel_error", q.getWorstRelativeError());
            line.put("rmse", q.getRmse());
            line.put("seconds", q.getSeconds());
            if (save != null) {
                line.put("saved", save.toString());
            }
            out.println(LawOutput.line(line));
        } else {
            out.printf(Locale.ROOT, "%s fitted to %d curve(s) (%d points) in %.2f s%n", LawKinds.name(law.getKind()),
                    request.getCurvesCount(), request.getCurvesList().stream().mapToInt(c -> c.getPointsCount()).sum(),
                    q.getSeconds());
            Table table = new Table("parameter", "value", "std error");
            for (LawParameter p : law.getParametersList()) {
                table.row(p.getName(), LawOutput.g4(p.getValue()), LawOutput.g4(p.getStandardError()));
            }
            table.print(out);
            out.printf(Locale.ROOT, "On the fit set: mean relative error %s, worst %s, RMSE %s; log-residual sigma %s%n",
                    LawOutput.percent(q.getMeanRelativeError()), LawOutput.percent(q.getWorstRelativeError()),
                    LawOutput.g4(q.getRmse()), LawOutput.g4(law.getResidualLogSigma()));
            if (save != null) {
                out.println("Saved to " + save + " (use it with --fitted).");
            }
        }
        out.flush();
        return 0;
    }
}
