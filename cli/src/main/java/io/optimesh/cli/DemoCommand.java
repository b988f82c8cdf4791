package io.optimesh.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Check the build, bring the whole mesh up, run the bundled example study through"
                + " agent-coordinator, print its results, and take the mesh down again.")
public class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StateOptions state;

    @Mixin
    PlanOptions plan;

    @Option(names = "--keep-up", description = "Leave the mesh running after the study (stop it with ./optimesh down).")
    boolean keepUp;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long begin = System.nanoTime();
        MeshLayout layout = state.layout();
        MeshPlan meshPlan = plan.plan(layout, List.of(MeshService.values()));
        Mesh mesh = new Mesh(out, spec.commandLine().getErr());

        step(out, 1, "Checking the build");
        Mesh.requireBuilt(meshPlan);
        step(out, 2, "Bringing the mesh up");
        mesh.up(meshPlan, plan.startTimeout());
        boolean studyDone = false;
        try {
            step(out, 3, "Running the example study");
            ExampleStudy.print(new ExampleStudy().run(meshPlan, out), out);
            studyDone = true;
        } finally {
            if (keepUp && studyDone) {
                out.println("The mesh stays up: ./optimesh status, ./optimesh logs, ./optimesh down.");
            } else {
                step(out, 4, "Taking the mesh down");
                mesh.down(layout, Duration.ofSeconds(30));
            }
        }
        out.printf(Locale.ROOT, "Demo finished in %.0f s.%n", (System.nanoTime() - begin) / 1e9);
        out.flush();
        return 0;
    }

    private static void step(PrintWriter out, int n, String what) {
        out.println();
        out.println("[" + n + "/4] " + what);
        out.flush();
    }
}
