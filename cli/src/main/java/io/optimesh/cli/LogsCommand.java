package io.optimesh.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Print the end of a service's log, or of every log (each line prefixed with its source);"
                + " with -f keep printing what is appended until Ctrl-C.")
public class LogsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StateOptions state;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SERVICE",
            description = "kafka, agent-coordinator, trainer-svc, optimizer-svc, law-svc or merge-svc (the -svc is"
                    + " optional); all of them when left out.")
    String service;

    @Option(names = {"-f", "--follow"}, description = "Follow the log as it grows.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "50",
            description = "How many lines from the end to print first (default: ${DEFAULT-VALUE}).")
    int lines;

    @Override
    public Integer call() throws IOException, InterruptedException {
        MeshLayout layout = state.layout();
        List<String> names = new ArrayList<>();
        if (service == null) {
            names.add(MeshPlan.KAFKA);
            for (MeshService s : MeshService.values()) {
                names.add(s.id());
            }
            names.removeIf(name -> !Files.exists(layout.logFile(name)));
            if (names.isEmpty()) {
                throw new MeshException("no logs in " + layout.logsDir() + " yet; start the mesh with ./optimesh up");
            }
        } else {
            String name = MeshPlan.KAFKA.equalsIgnoreCase(service.trim()) ? MeshPlan.KAFKA
                    : MeshService.byId(service).map(MeshService::id).orElseThrow(() -> new MeshException(
                            "unknown service '" + service + "'; the logs are kafka, " + MeshService.idList()));
            if (!Files.exists(layout.logFile(name)) && !follow) {
                throw new MeshException("no log for " + name + " in " + layout.logsDir()
                        + " yet; start the mesh with ./optimesh up");
            }
            names.add(name);
        }
        int width = names.stream().mapToInt(String::length).max().orElse(0);
        List<Path> files = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (String name : names) {
            files.add(layout.logFile(name));
            prefixes.add(names.size() == 1 ? "" : String.format("%-" + width + "s | ", name));
        }
        PrintWriter out = spec.commandLine().getOut();
        // Following starts before the tail is printed, so no line written in between is lost.
        LogTail.Follower follower = follow ? LogTail.follow(files, prefixes) : null;
        LogTail.print(files, prefixes, lines, out);
        if (follower != null) {
            follower.run(out);
        }
        return 0;
    }
}
