package io.optimesh.cli.law;

import io.optimesh.cli.MeshException;
import io.optimesh.cli.Table;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.PredictedPoint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict the loss curve a schedule gives under a law, with intervals. SCHEDULE is a .json"
                + " optimesh.v1.Schedule, a step,lr CSV, or a curve X.csv (then its logged points are predicted"
                + " and compared).")
public class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LawEndpoint endpoint;

    @Mixin
    LawSource source;

    @Parameters(index = "0", paramLabel = "SCHEDULE")
    Path scheduleFile;

    @Option(names = "--steps", split = ",", paramLabel = "STEP", description = "Steps to predict at (default: a"
            + " curve's logged steps, else 10 steps evenly spaced to the last).")
    List<Long> steps;

    @Option(names = "--confidence", defaultValue = "0.9", description = "Interval coverage (default: ${DEFAULT-VALUE}).")
    double confidence;

    @Option(names = "--json", description = "One JSON line instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        if (!(confidence > 0 && confidence < 1)) {
            throw new MeshException("--confidence must lie strictly between 0 and 1, got " + confidence);
        }
        ScheduleFiles target = ScheduleFiles.read(scheduleFile);
        long total = target.schedule().getTotalSteps();
        Map<Long, Double> actual = new HashMap<>();
        List<Long> at = new ArrayList<>();
        if (steps != null) {
            at.addAll(steps);
        } else if (target.curve() != null) {
            for (CurvePoint p : target.curve().getPointsList()) {
                at.add(p.getStep());
            }
        } else {
            for (int i = 1; i <= 10; i++) {
                long step = (total - 1) * i / 10;
                if (at.isEmpty() || step > at.get(at.size() - 1)) {
                    at.add(step);
                }
            }
        }
        if (target.curve() != null) {
            target.curve().getPointsList().forEach(p -> actual.put(p.getStep(), p.getLoss()));
        }
        FittedLaw law = source.law(endpoint);
        PredictCurveRequest request = PredictCurveRequest.newBuilder().setLaw(law).setSchedule(target.schedule())
                .addAllSteps(at).setConfidence(confidence).build();
        List<PredictedPoint> points = endpoint.call(stub -> stub.predictCurve(request)).getPointsList();

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("schedule", scheduleFile.toString());
            line.put("confidence", confidence);
            line.put("points", points.stream().map(p -> {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("step", p.getStep());
                point.put("loss", p.getLoss());
                point.put("lower", p.getLower());
                point.put("upper", p.getUpper());
                Double a = actual.get(p.getStep());
                if (a != null) {
                    point.put("actual", a);
                    point.put("rel_error", Math.abs(p.getLoss() - a) / a);
                }
                return point;
            }).toList());
            out.println(LawOutput.line(line));
        } else {
            boolean compare = !actual.isEmpty();
            Table table = compare ? new Table("step", "predicted", "lower", "upper", "actual", "rel error")
                    : new Table("step", "predicted", "lower", "upper");
            for (PredictedPoint p : points) {
                Double a = actual.get(p.getStep());
                if (compare) {
                    table.row(p.getStep(), LawOutput.f4(p.getLoss()), LawOutput.f4(p.getLower()),
                            LawOutput.f4(p.getUpper()), a == null ? "-" : LawOutput.f4(a),
                            a == null ? "-" : LawOutput.percent(Math.abs(p.getLoss() - a) / a));
                } else {
                    table.row(p.getStep(), LawOutput.f4(p.getLoss()), LawOutput.f4(p.getLower()),
                            LawOutput.f4(p.getUpper()));
                }
            }
            out.printf("%s under %s, %.0f%% intervals:%n", LawKinds.name(law.getKind()), scheduleFile,
                    100 * confidence);
            table.print(out);
        }
        out.flush();
        return 0;
    }
}
