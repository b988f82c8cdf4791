package io.optimesh.cli.bench;

import io.optimesh.cli.MeshException;
import io.optimesh.cli.MeshPlan;
import io.optimesh.cli.MeshService;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a benchmark's main class in its own JVM on a service's built classpath (the Quarkus fast-jar
 * layout: the application jar and its libraries), so the benchmark measures the service's own code
 * with the service's dependencies, and its output goes straight to this terminal.
 */
public final class ModuleMain {

    private ModuleMain() {
    }

    /** Runs {@code mainClass} with {@code args}; returns its exit status. */
    public static int run(Path home, MeshService service, String heap, String mainClass, List<String> args) {
        Path app = home.resolve(service.id()).resolve("target").resolve("quarkus-app");
        if (!Files.isDirectory(app.resolve("app"))) {
            throw new MeshException(service.id() + " is not built (" + app + " is missing): run ./mvnw -B -DskipTests package");
        }
        String classpath = String.join(File.pathSeparator,
                app.resolve("app").resolve("*").toString(),
                app.resolve("lib").resolve("main").resolve("*").toString(),
                app.resolve("lib").resolve("boot").resolve("*").toString());
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-Dai.djl.offline=true");
        command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            MeshPlan.TORCH_ENVIRONMENT.forEach(builder.environment()::putIfAbsent);
            Process process = builder.start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            return process.waitFor();
        } catch (IOException e) {
            throw new MeshException("cannot start the benchmark JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshException("interrupted while the benchmark ran");
        }
    }
}
