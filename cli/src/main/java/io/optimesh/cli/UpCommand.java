package io.optimesh.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a Kafka broker (KRaft) and the services as background processes, wait until they are"
                + " healthy, and print where each listens. They keep running until ./optimesh down.")
public class UpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StateOptions state;

    @Mixin
    PlanOptions plan;

    @Option(names = "--services", paramLabel = "LIST",
            description = "Start only these, comma-separated, e.g. optimizer-svc,law-svc (default: all five).")
    String services;

    @Override
    public Integer call() {
        List<MeshService> chosen = services == null ? List.of(MeshService.values()) : MeshService.parseList(services);
        new Mesh(spec.commandLine().getOut(), spec.commandLine().getErr())
                .up(plan.plan(state.layout(), chosen), plan.startTimeout());
        return 0;
    }
}
