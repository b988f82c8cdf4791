package io.optimesh.cli.law;

import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.cli.MeshException;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.OptimizeScheduleRequest;
import io.optimesh.v1.OptimizeScheduleResponse;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.ScheduleConstraints;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "optimize", mixinStandardHelpOptions = true,
        description = "Ask law-svc for the schedule of a step budget that minimises the law's predicted final loss,"
                + " within bounds that keep it from the laws' degenerate optima.")
public class OptimizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LawEndpoint endpoint;

    @Mixin
    LawSource source;

    @Option(names = "--total-steps", required = true, paramLabel = "N", description = "The step budget.")
    long totalSteps;

    @Option(names = "--max-peak-lr", paramLabel = "LR", description = "Highest LR allowed (0: the service decides).")
    double maxPeakLr;

    @Option(names = "--min-final-lr", paramLabel = "LR", description = "Lowest LR the schedule may end at.")
    double minFinalLr;

    @Option(names = "--warmup-steps", paramLabel = "N", description = "Warmup the schedule keeps.")
    long warmupSteps;

    @Option(names = "--max-decay-fraction", paramLabel = "F", description = "Largest share of the budget spent annealing.")
    double maxDecayFraction;

    @Option(names = "--save", paramLabel = "FILE", description = "Write the schedule here (protobuf JSON), for"
            + " predict and rank.")
    Path save;

    @Option(names = "--json", description = "One JSON line instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        FittedLaw law = source.law(endpoint);
        OptimizeScheduleRequest request = OptimizeScheduleRequest.newBuilder().setLaw(law).setTotalSteps(totalSteps)
                .setConstraints(ScheduleConstraints.newBuilder().setMaxPeakLr(maxPeakLr).setMinFinalLr(minFinalLr)
                        .setWarmupSteps(warmupSteps).setMaxDecayFraction(maxDecayFraction))
                .build();
        OptimizeScheduleResponse response;
        try {
            response = endpoint.call(stub -> stub.optimizeSchedule(request));
        } catch (MeshException e) {
            if (e.getCause() instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                throw new MeshException("law-svc at " + endpoint.target() + " does not serve OptimizeSchedule yet ("
                        + s.getStatus().getDescription() + ")");
            }
            throw e;
        }
        if (save != null) {
            LawOutput.save(save, response.getSchedule());
        }
        PrintWriter out = spec.commandLine().getOut();
        PredictedPoint end = response.getFinalLoss();
        String schedule = JsonFormat.printer().omittingInsignificantWhitespace().print(response.getSchedule());
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("schedule", new com.fasterxml.jackson.databind.ObjectMapper().readTree(schedule));
            line.put("final_step", end.getStep());
            line.put("loss", end.getLoss());
            line.put("lower", end.getLower());
            line.put("upper", end.getUpper());
            out.println(LawOutput.line(line));
        } else {
            out.println("Schedule: " + JsonFormat.printer().print(response.getSchedule()));
            out.printf("Predicted loss at step %d: %s [%s, %s]%n", end.getStep(), LawOutput.f4(end.getLoss()),
                    LawOutput.f4(end.getLower()), LawOutput.f4(end.getUpper()));
            if (save != null) {
                out.println("Saved to " + save + ".");
            }
        }
        out.flush();
        return 0;
    }
}
