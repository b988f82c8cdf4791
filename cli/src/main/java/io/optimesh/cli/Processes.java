package io.optimesh.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Starts the mesh's processes so that they outlive this command, and stops them again. */
public final class Processes {

    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst();
    private static final File DEV_NULL = new File("/dev/null");

    private Processes() {
    }

    /**
     * Starts a process that survives this JVM: output appended to {@code log}, no stdin, and (where
     * {@code setsid} exists) its own session, so the terminal's Ctrl-C or hang-up does not reach it.
     * {@code setsid} execs in place here because a child of the JVM never leads a process group, so the
     * returned pid is the program's own.
     */
    public static Process startDetached(List<String> command, Map<String, String> env, Path workDir, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        Files.createDirectories(workDir);
        List<String> full = new ArrayList<>();
        SETSID.ifPresent(setsid -> full.add(setsid.toString()));
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (DEV_NULL.exists()) {
            builder.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        }
        builder.environment().putAll(env);
        return builder.start();
    }

    /**
     * Asks every process to stop (SIGTERM), waits up to {@code grace} for all of them together, then
     * kills the rest. Returns the processes that were killed rather than stopped.
     */
    public static List<ProcessHandle> stop(List<ProcessHandle> processes, Duration grace) {
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        for (ProcessHandle p : processes) {
            p.destroy();
            exits.add(p.onExit());
        }
        awaitAll(exits, grace);
        List<ProcessHandle> killed = new ArrayList<>();
        List<CompletableFuture<ProcessHandle>> forced = new ArrayList<>();
        for (ProcessHandle p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                killed.add(p);
                forced.add(p.onExit());
            }
        }
        awaitAll(forced, Duration.ofSeconds(10));
        return killed;
    }

    private static void awaitAll(List<CompletableFuture<ProcessHandle>> exits, Duration timeout) {
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // The caller looks at which are still alive.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
