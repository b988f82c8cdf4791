package io.optimesh.cli.law;

import io.optimesh.cli.Table;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.RankedSchedule;
import java.io.PrintWriter;
import java.nio.file.Path;
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

@Command(name = "rank", mixinStandardHelpOptions = true,
        description = "Order candidate schedules by the final loss a law predicts for them, best first, with"
                + " 90% intervals and the divergence risk law-svc estimates.")
public class RankCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LawEndpoint endpoint;

    @Mixin
    LawSource source;

    @Parameters(arity = "1..*", paramLabel = "SCHEDULE",
            description = "Candidates: .json schedules, step,lr CSVs or curve files X.csv.")
    List<Path> schedules;

    @Option(names = "--json", description = "One JSON line instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        List<ScheduleFiles> candidates = schedules.stream().map(ScheduleFiles::read).toList();
        FittedLaw law = source.law(endpoint);
        RankSchedulesRequest request = RankSchedulesRequest.newBuilder().setLaw(law)
                .addAllCandidates(candidates.stream().map(ScheduleFiles::schedule).toList()).build();
        List<RankedSchedule> ranking = endpoint.call(stub -> stub.rankSchedules(request)).getRankingList();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("ranking", ranking.stream().map(r -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("schedule", schedules.get(r.getIndex()).toString());
                entry.put("final_step", r.getFinalLoss().getStep());
                entry.put("loss", r.getFinalLoss().getLoss());
                entry.put("lower", r.getFinalLoss().getLower());
                entry.put("upper", r.getFinalLoss().getUpper());
                entry.put("divergence_risk", r.getDivergenceRisk());
                return entry;
            }).toList());
            out.println(LawOutput.line(line));
        } else {
            Table table = new Table("rank", "schedule", "final step", "predicted loss", "90% interval",
                    "divergence risk");
            int rank = 1;
            for (RankedSchedule r : ranking) {
                table.row(rank++, schedules.get(r.getIndex()), r.getFinalLoss().getStep(),
                        LawOutput.f4(r.getFinalLoss().getLoss()), "[" + LawOutput.f4(r.getFinalLoss().getLower())
                                + ", " + LawOutput.f4(r.getFinalLoss().getUpper()) + "]",
                        LawOutput.percent(r.getDivergenceRisk()));
            }
            table.print(out);
        }
        out.flush();
        return 0;
    }
}
