package io.optimesh.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Brings the local mesh up, reports on it and takes it down; what the up/down/status commands do. */
public final class Mesh {

    /** Per check while waiting for startup: polled again and again, so a short deadline is enough. */
    static final Duration HEALTH_DEADLINE = Duration.ofSeconds(2);
    /** A single check (status, the final table) gets slack for a loaded machine. */
    static final Duration STATUS_DEADLINE = Duration.ofSeconds(10);
    static final Duration POLL = Duration.ofMillis(500);
    static final Duration PORT_RELEASE = Duration.ofSeconds(10);
    /**
     * How long a server may answer without a grpc.health.v1 service before up gives up on it. Quarkus
     * opens its port only once started, so the answer is final; the grace is for a slow registration.
     */
    static final Duration NO_HEALTH_GRACE = Duration.ofSeconds(10);
    static final int LOG_TAIL_LINES = 40;

    private final PrintWriter out;
    private final PrintWriter err;

    public Mesh(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    /** Fails, saying how to build, when a planned service has no runnable jar. */
    public static void requireBuilt(MeshPlan plan) {
        List<String> missing = plan.services().stream()
                .filter(s -> !Files.isRegularFile(plan.layout().serviceJar(s)))
                .map(s -> s.id() + " (" + plan.layout().serviceJar(s) + ")")
                .collect(Collectors.toList());
        if (!missing.isEmpty()) {
            throw new MeshException("not built: no runnable jar for " + String.join(", ", missing)
                    + "\nrun ./mvnw -B package -DskipTests, or just ./optimesh demo (it builds first)");
        }
    }

    /**
     * Starts the broker, then every planned service at once, and waits until all answer their gRPC
     * health check. On any failure everything it started is stopped again and the error says why.
     */
    public MeshState up(MeshPlan plan, Duration startTimeout) {
        MeshLayout layout = plan.layout();
        refuseIfRunning(layout);
        requireBuilt(plan);
        Ports.requireFree(plan.ports());
        createDirectories(layout);

        Started started = new Started(layout, plan.bootstrapServers());
        // Ctrl-C while starting leaves nothing behind; once up, the mesh outlives this command.
        Thread abortOnExit = new Thread(started::abort, "optimesh-up-abort");
        Runtime.getRuntime().addShutdownHook(abortOnExit);
        try {
            startBroker(plan, started);
            startServices(plan, started);
            awaitHealthy(plan, started, startTimeout);
        } catch (RuntimeException e) {
            started.abort();
            throw e;
        } finally {
            removeHook(abortOnExit);
        }
        Table table = new Table("service", "address", "pid", "health");
        MeshState state = started.state();
        for (MeshState.Entry e : state.processes()) {
            String health = e.isKafka() ? KafkaHealth.check(plan.bootstrapServers(), STATUS_DEADLINE) : "SERVING";
            table.row(e.name(), MeshPlan.HOST + ":" + e.port(), e.pid(), health);
        }
        out.println();
        table.print(out);
        out.println();
        out.println("State, logs and checkpoints: " + layout.stateDir());
        out.println("Follow a log: ./optimesh logs <service> -f    Stop: ./optimesh down");
        out.flush();
        return state;
    }

    /**
     * Stops what mesh.json records: services first (SIGTERM, then a kill after {@code grace}), then the
     * broker, and checks their ports came free. Returns false when a port is still held afterwards.
     */
    public boolean down(MeshLayout layout, Duration grace) {
        Optional<MeshState> recorded = MeshState.read(layout.meshFile());
        if (recorded.isEmpty()) {
            out.println("No mesh is running (nothing recorded in " + layout.meshFile() + ").");
            out.flush();
            return true;
        }
        MeshState state = recorded.get();
        Map<MeshState.Entry, ProcessHandle> services = new LinkedHashMap<>();
        Map<MeshState.Entry, ProcessHandle> brokers = new LinkedHashMap<>();
        for (MeshState.Entry e : state.processes()) {
            e.process().ifPresent(p -> (e.isKafka() ? brokers : services).put(e, p));
        }
        if (services.isEmpty() && brokers.isEmpty()) {
            MeshState.delete(layout.meshFile());
            out.println("The mesh recorded in " + layout.meshFile() + " is no longer running; nothing to stop.");
            out.flush();
            return true;
        }
        stopGroup(services, grace);
        stopGroup(brokers, grace);
        List<Integer> ports = state.processes().stream().flatMap(e -> e.allPorts().stream())
                .collect(Collectors.toList());
        List<Integer> held = awaitPortsFree(ports);
        MeshState.delete(layout.meshFile());
        for (int port : held) {
            err.println("port " + port + " is still in use" + Ports.holder(port).map(p -> " by pid " + p.pid())
                    .orElse("") + " after the mesh stopped");
        }
        err.flush();
        if (held.isEmpty()) {
            out.println("Mesh stopped; ports " + ports.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + " are free. Logs stay in " + layout.logsDir() + ".");
        }
        out.flush();
        return held.isEmpty();
    }

    /**
     * Prints each recorded process: still running, and healthy. Returns 0 when all are, 1 when some
     * are not, 3 when no mesh is recorded (as service managers do).
     */
    public int status(MeshLayout layout) {
        Optional<MeshState> recorded = MeshState.read(layout.meshFile());
        if (recorded.isEmpty()) {
            out.println("No mesh is running (nothing recorded in " + layout.meshFile() + ").");
            out.flush();
            return 3;
        }
        MeshState state = recorded.get();
        Table table = new Table("service", "address", "pid", "process", "health");
        boolean allGood = true;
        for (MeshState.Entry e : state.processes()) {
            boolean alive = e.process().isPresent();
            String health = "-";
            if (alive) {
                health = e.isKafka() ? KafkaHealth.check(state.bootstrapServers(), STATUS_DEADLINE)
                        : GrpcHealth.checkOnce(MeshPlan.HOST, e.port(), STATUS_DEADLINE).name();
            }
            allGood &= alive && (health.equals("SERVING") || health.startsWith("READY"));
            table.row(e.name(), MeshPlan.HOST + ":" + e.port(), e.pid(), alive ? "running" : "gone", health);
        }
        out.println("Mesh started " + state.startedAt() + ", state in " + state.stateDir());
        table.print(out);
        if (!allGood) {
            out.println("Not everything is up: see ./optimesh logs <service>, then ./optimesh down and up again.");
        }
        out.flush();
        return allGood ? 0 : 1;
    }

    private void refuseIfRunning(MeshLayout layout) {
        Optional<MeshState> recorded = MeshState.read(layout.meshFile());
        if (recorded.isEmpty()) {
            return;
        }
        List<String> alive = recorded.get().processes().stream()
                .filter(e -> e.process().isPresent())
                .map(e -> e.name() + " (pid " + e.pid() + ")")
                .collect(Collectors.toList());
        if (!alive.isEmpty()) {
            throw new MeshException("a mesh is already up: " + String.join(", ", alive)
                    + " (recorded in " + layout.meshFile() + "); run ./optimesh down first");
        }
        // Left by a mesh that died or a machine that rebooted: nothing to stop, so start afresh.
        MeshState.delete(layout.meshFile());
    }

    private void startBroker(MeshPlan plan, Started started) {
        out.println("Starting Kafka (KRaft) on " + plan.bootstrapServers() + " ...");
        out.flush();
        started.launch(MeshPlan.KAFKA, plan.kafkaPort(), List.of(plan.controllerPort()), () -> MeshBroker.start(plan));
    }

    private void startServices(MeshPlan plan, Started started) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        out.println("Starting " + plan.services().stream().map(MeshService::id).collect(Collectors.joining(", "))
                + " ...");
        out.flush();
        for (MeshService service : plan.services()) {
            Path log = plan.layout().logFile(service.id());
            started.launch(service.id(), plan.port(service), List.of(), () -> {
                try {
                    keepPrevious(log);
                    Process process = Processes.startDetached(plan.command(service, java),
                            plan.environment(service), plan.layout().stateDir(), log);
                    started.children.put(service.id(), process);
                    return process.toHandle();
                } catch (IOException e) {
                    throw new MeshException("cannot start " + service.id() + ": " + e.getMessage(), e);
                }
            });
        }
    }

    private void awaitHealthy(MeshPlan plan, Started started, Duration timeout) {
        long begin = System.nanoTime();
        long deadline = begin + timeout.toNanos();
        Map<MeshService, GrpcHealth> clients = new EnumMap<>(MeshService.class);
        Map<MeshService, GrpcHealth.Result> last = new EnumMap<>(MeshService.class);
        Map<MeshService, Long> noHealthSince = new EnumMap<>(MeshService.class);
        Set<MeshService> pending = new LinkedHashSet<>(plan.services());
        try {
            for (MeshService s : pending) {
                clients.put(s, new GrpcHealth(MeshPlan.HOST, plan.port(s)));
            }
            while (!pending.isEmpty()) {
                for (MeshService s : List.copyOf(pending)) {
                    started.requireNotAborted();
                    Process process = started.children.get(s.id());
                    if (!process.isAlive()) {
                        throw failure(plan, s, "exited with code " + process.exitValue() + " before it became healthy");
                    }
                    GrpcHealth.Result result = clients.get(s).check(HEALTH_DEADLINE);
                    last.put(s, result);
                    if (result != GrpcHealth.Result.NO_HEALTH_SERVICE) {
                        noHealthSince.remove(s);
                    } else if (System.nanoTime() - noHealthSince.computeIfAbsent(s, k -> System.nanoTime())
                            > NO_HEALTH_GRACE.toNanos()) {
                        throw failure(plan, s, "answers on port " + plan.port(s) + " but has no grpc.health.v1"
                                + " service (a Quarkus gRPC server with quarkus.grpc.server.grpc-health.enabled)");
                    }
                    if (result == GrpcHealth.Result.SERVING) {
                        pending.remove(s);
                        out.printf(Locale.ROOT, "  %-18s healthy after %.1f s%n", s.id(),
                                (System.nanoTime() - begin) / 1e9);
                        out.flush();
                    }
                }
                if (pending.isEmpty()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    MeshService s = pending.iterator().next();
                    throw failure(plan, s, "was not healthy after " + timeout.toSeconds() + " s (last health check: "
                            + last.get(s) + "; raise --timeout on a slow machine)");
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshException("interrupted while waiting for the services to become healthy");
        } finally {
            clients.values().forEach(GrpcHealth::close);
        }
    }

    /** Shows the end of the service's log, then builds the error that aborts {@code up}. */
    private MeshException failure(MeshPlan plan, MeshService service, String what) {
        Path log = plan.layout().logFile(service.id());
        printLogTail(err, log, service.id());
        return new MeshException(service.id() + " " + what + "; its log is " + log
                + ". Everything started was stopped again.");
    }

    static void printLogTail(PrintWriter err, Path log, String name) {
        try {
            List<String> lines = LogTail.lastLines(log, LOG_TAIL_LINES);
            err.println("---- last " + lines.size() + " lines of " + name + " (" + log + ") ----");
            lines.forEach(line -> err.println("  " + line));
            err.println("----");
        } catch (IOException e) {
            err.println("(cannot read " + log + ": " + e.getMessage() + ")");
        }
        err.flush();
    }

    private void stopGroup(Map<MeshState.Entry, ProcessHandle> group, Duration grace) {
        if (group.isEmpty()) {
            return;
        }
        out.println("Stopping " + group.keySet().stream().map(e -> e.name() + " (pid " + e.pid() + ")")
                .collect(Collectors.joining(", ")) + " ...");
        out.flush();
        List<ProcessHandle> killed = Processes.stop(new ArrayList<>(group.values()), grace);
        group.forEach((entry, handle) -> {
            if (killed.contains(handle)) {
                err.println(entry.name() + " did not stop within " + grace.toSeconds() + " s of SIGTERM; killed it");
            }
        });
        err.flush();
    }

    /** Ports stay taken for a moment after a process exits; returns those still held after a wait. */
    private static List<Integer> awaitPortsFree(List<Integer> ports) {
        long deadline = System.nanoTime() + PORT_RELEASE.toNanos();
        List<Integer> held = new ArrayList<>(ports);
        while (true) {
            held.removeIf(Ports::isFree);
            if (held.isEmpty() || System.nanoTime() > deadline) {
                return held;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return held;
            }
        }
    }

    private static void createDirectories(MeshLayout layout) {
        try {
            Files.createDirectories(layout.kafkaDir());
            Files.createDirectories(layout.logsDir());
            Files.createDirectories(layout.checkpointsDir());
        } catch (IOException e) {
            throw new MeshException("cannot create the state directory " + layout.stateDir() + ": " + e.getMessage(), e);
        }
    }

    /** The previous run's log stays readable as {@code <service>.log.prev}. */
    private static void keepPrevious(Path log) throws IOException {
        if (Files.exists(log)) {
            Files.move(log, log.resolveSibling(log.getFileName() + ".prev"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and runs the hook itself.
        }
    }

    /** What {@code up} has started so far, recorded in mesh.json as it grows so {@code down} finds it. */
    private static final class Started {
        private final MeshLayout layout;
        private MeshState state;
        private final Map<String, ProcessHandle> handles = new LinkedHashMap<>();
        /** The services, started by this JVM, whose exit codes it can read. */
        final Map<String, Process> children = new ConcurrentHashMap<>();
        private volatile boolean aborted;
        private boolean stopped;

        Started(MeshLayout layout, String bootstrapServers) {
            this.layout = layout;
            this.state = MeshState.started(layout, bootstrapServers);
        }

        /**
         * Starts one process and records it, under the same lock as {@link #abort()}: a process is
         * either never started or recorded before an abort stops everything recorded.
         */
        synchronized void launch(String name, int port, List<Integer> otherPorts, Supplier<ProcessHandle> start) {
            requireNotAborted();
            ProcessHandle handle;
            try {
                handle = start.get();
            } catch (RuntimeException e) {
                // A start that failed because the JVM began shutting down is an interruption, not a fault.
                requireNotAborted();
                throw e;
            }
            handles.put(name, handle);
            state = state.with(MeshState.Entry.of(name, handle, port, otherPorts));
            state.write(layout.meshFile());
        }

        void requireNotAborted() {
            if (aborted) {
                throw new MeshException("stopped while the mesh was starting; everything started was stopped again");
            }
        }

        synchronized MeshState state() {
            return state;
        }

        /**
         * Stops services, then the broker, and forgets them; safe to call twice. The flag is set before
         * taking the lock so that a start in progress, which holds it, sees it as soon as it finishes.
         */
        void abort() {
            aborted = true;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                stopped = true;
                stopAll();
            }
        }

        private void stopAll() {
            List<ProcessHandle> services = new ArrayList<>();
            handles.forEach((name, h) -> {
                if (!MeshPlan.KAFKA.equals(name)) {
                    services.add(h);
                }
            });
            Processes.stop(services, Duration.ofSeconds(15));
            Optional.ofNullable(handles.get(MeshPlan.KAFKA))
                    .ifPresent(broker -> Processes.stop(List.of(broker), Duration.ofSeconds(15)));
            try {
                MeshState.delete(layout.meshFile());
            } catch (UncheckedIOException e) {
                // Best effort while aborting; the next up treats a dead mesh.json as stale.
            }
        }
    }
}
