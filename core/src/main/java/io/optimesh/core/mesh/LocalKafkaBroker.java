package io.optimesh.core.mesh;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.jboss.logging.Logger;

/**
 * A real single-node Apache Kafka broker in KRaft combined mode (broker and controller in one
 * process), run as a child JVM from a caller-supplied classpath that holds
 * {@code org.apache.kafka:kafka_2.13}. Everything it writes (configuration, data, log) lives under
 * one state directory, so a second start on the same directory keeps the topics.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalKafkaBroker.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(30);
    private static final Duration FORCED_STOP = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 30;

    /**
     * Small heap; C1 and the serial GC because a local broker carries little traffic and starting
     * fast on a busy laptop or CI machine matters more than peak throughput.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final Path stateDir;
    private final List<String> classpath;
    private final int port;
    private final int controllerPort;
    private final Duration startupTimeout;
    private final List<String> jvmOptions;
    private final Path logFile;
    private final boolean stopOnExit;
    private final Thread shutdownHook;
    private Process process;

    private LocalKafkaBroker(Builder b, int port, int controllerPort) {
        this.stateDir = b.stateDir;
        this.classpath = b.classpath;
        this.port = port;
        this.controllerPort = controllerPort;
        this.startupTimeout = b.startupTimeout;
        this.jvmOptions = b.jvmOptions;
        this.logFile = b.stateDir.resolve("kafka.log");
        this.stopOnExit = b.stopOnExit;
        // A crashed or interrupted parent must not leave an orphaned broker holding the ports.
        this.shutdownHook = new Thread(this::terminate, "optimesh-kafka-broker-stop");
    }

    /**
     * @param stateDir  directory for the broker's configuration, data and log (created if missing)
     * @param classpath a classpath string containing kafka_2.13 and its dependencies, usually the
     *                  caller's own {@code java.class.path}
     */
    public static Builder builder(Path stateDir, String classpath) {
        return new Builder(stateDir, classpath);
    }

    /** The {@code bootstrap.servers} value for clients. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** The broker's log (stdout and stderr of the child JVM). */
    public Path logFile() {
        return logFile;
    }

    public Path stateDir() {
        return stateDir;
    }

    /** Process id of the broker JVM. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("Kafka broker is not started");
        }
        return process.pid();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the broker: SIGTERM and a controlled shutdown first, then a forced kill. Idempotent. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        release();
        LOG.infof("Kafka broker on %s stopped", bootstrapServers());
    }

    @Override
    public void close() {
        stop();
    }

    private void release() {
        terminate();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting: the hook runs (or ran) the same idempotent terminate().
        }
    }

    private synchronized void terminate() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitFor(process, GRACEFUL_STOP)) {
            LOG.warnf("Kafka broker pid %d did not stop within %s, killing it", process.pid(), GRACEFUL_STOP);
            process.destroyForcibly();
            waitFor(process, FORCED_STOP);
        }
    }

    private synchronized LocalKafkaBroker start() {
        try {
            Files.createDirectories(stateDir);
            Path props = writeServerProperties();
            Path argFile = writeJvmArgFile();
            if (!Files.exists(dataDir().resolve("meta.properties"))) {
                format(argFile, props);
            }
            process = launch(argFile, List.of("kafka.Kafka", props.toString()));
            if (stopOnExit) {
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            }
            awaitReady();
            LOG.infof("Kafka broker ready on %s (pid %d, log %s)", bootstrapServers(), process.pid(), logFile);
            return this;
        } catch (IOException e) {
            release();
            throw new UncheckedIOException("Could not start the Kafka broker in " + stateDir, e);
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    private Path dataDir() {
        return stateDir.resolve("data");
    }

    private Path writeServerProperties() throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        // A static voter set: the controller's port may change between starts on the same state dir.
        p.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dataDir().toString());
        p.setProperty("num.partitions", "3");
        p.setProperty("auto.create.topics.enable", "true");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        Path file = stateDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "Written by OptiMesh LocalKafkaBroker; rewritten on every start");
        }
        return file;
    }

    /**
     * The JVM options and classpath go into a java {@code @argfile}: a service's classpath can exceed
     * the kernel's limit for a single command-line argument.
     */
    private Path writeJvmArgFile() throws IOException {
        List<String> args = new ArrayList<>(jvmOptions);
        List<String> cp = classpath;
        if (cp.stream().anyMatch(e -> fileName(e).contains("jboss-logmanager"))) {
            // Quarkus' bootstrap runner installs a log configurator that buffers every record until a
            // Quarkus application configures logging, which never happens in the broker: without
            // dropping it and configuring JBoss LogManager ourselves, the broker log stays empty.
            cp = cp.stream().filter(e -> !fileName(e).contains("quarkus-bootstrap-runner")).toList();
            Path loggingConfig = stateDir.resolve("logging.properties");
            Files.writeString(loggingConfig, JBOSS_LOGGING_CONFIG, StandardCharsets.UTF_8);
            args.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
            args.add("-Dlogging.configuration=" + loggingConfig.toUri());
        }
        // A launcher may quieten slf4j-simple for its own output; the broker's log keeps INFO, which
        // is where its start and stop show up.
        args.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
        args.add("-cp");
        args.add(String.join(File.pathSeparator, cp));
        Path file = stateDir.resolve("kafka-jvm.args");
        Files.writeString(file, args.stream().map(LocalKafkaBroker::quoteArg).collect(Collectors.joining("\n", "", "\n")),
                StandardCharsets.UTF_8);
        return file;
    }

    private static final String JBOSS_LOGGING_CONFIG = """
            logger.level=INFO
            logger.handlers=CONSOLE
            handler.CONSOLE=org.jboss.logmanager.handlers.ConsoleHandler
            handler.CONSOLE.properties=autoFlush,target
            handler.CONSOLE.autoFlush=true
            handler.CONSOLE.target=SYSTEM_OUT
            handler.CONSOLE.formatter=PATTERN
            formatter.PATTERN=org.jboss.logmanager.formatters.PatternFormatter
            formatter.PATTERN.properties=pattern
            formatter.PATTERN.pattern=[%d{yyyy-MM-dd HH:mm:ss,SSS}] %-5p %s (%c)%e%n
            """;

    private static String fileName(String classpathEntry) {
        return Path.of(classpathEntry).getFileName() == null ? "" : Path.of(classpathEntry).getFileName().toString();
    }

    private static String quoteArg(String arg) {
        return '"' + arg.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private void format(Path argFile, Path props) throws IOException {
        String clusterId = Uuid.randomUuid().toString();
        Process formatter = launch(argFile,
                List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", props.toString()));
        if (!waitFor(formatter, startupTimeout)) {
            formatter.destroyForcibly();
            throw failure("Formatting Kafka storage did not finish within " + startupTimeout);
        }
        if (formatter.exitValue() != 0) {
            throw failure("Formatting Kafka storage failed with exit code " + formatter.exitValue());
        }
    }

    private Process launch(Path argFile, List<String> mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("@" + argFile);
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command)
                .directory(stateDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
    }

    private static String javaExecutable() {
        Path fromHome = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(fromHome)) {
            return fromHome.toString();
        }
        return ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("Cannot find the java executable to start Kafka with"));
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        Admin admin = null;
        try {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw failure("Kafka broker exited with code " + process.exitValue() + " while starting");
                }
                // Probe the socket first so that the admin client does not flood the log with
                // connection warnings while the broker JVM is still loading.
                if (admin == null && accepts(port)) {
                    admin = Admin.create(Map.of(
                            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                            AdminClientConfig.CLIENT_ID_CONFIG, "optimesh-broker-probe",
                            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
                }
                if (admin != null && hasBroker(admin)) {
                    return;
                }
                sleep(Duration.ofMillis(200));
            }
            throw failure("Kafka broker did not become ready on " + bootstrapServers() + " within " + startupTimeout);
        } finally {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        }
    }

    private static boolean hasBroker(Admin admin) {
        try {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
                    .nodes().get(6, TimeUnit.SECONDS).isEmpty();
        } catch (ExecutionException | TimeoutException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the Kafka broker", e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    private IllegalStateException failure(String what) {
        return new IllegalStateException(what + "; see the broker log " + logFile + ". Last lines:\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the Kafka broker", e);
        }
    }

    private static InetAddress host() {
        try {
            return InetAddress.getByName(HOST);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Configures and starts a {@link LocalKafkaBroker}. */
    public static final class Builder {
        private final Path stateDir;
        private final List<String> classpath;
        private int port = 9092;
        private int controllerPort = 9093;
        private Duration startupTimeout = Duration.ofSeconds(120);
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private boolean stopOnExit = true;

        private Builder(Path stateDir, String classpath) {
            this.stateDir = Objects.requireNonNull(stateDir, "stateDir").toAbsolutePath();
            this.classpath = Arrays.stream(Objects.requireNonNull(classpath, "classpath").split(File.pathSeparator))
                    .filter(e -> !e.isBlank())
                    .toList();
        }

        /** Client (PLAINTEXT) port; 0 chooses a free one. Default 9092. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** KRaft controller port; 0 chooses a free one. Default 9093. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort);
            return this;
        }

        /** How long formatting and startup may take before {@link #start()} gives up. Default 120 s. */
        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be positive: " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        /**
         * Whether the broker is stopped when this JVM exits (default true). A launcher that leaves
         * the broker running for a later command turns it off and stops the broker by its pid.
         */
        public Builder stopOnExit(boolean stopOnExit) {
            this.stopOnExit = stopOnExit;
            return this;
        }

        /** Options of the broker JVM, replacing {@link #DEFAULT_JVM_OPTIONS}. */
        public Builder jvmOptions(List<String> jvmOptions) {
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        /**
         * Formats the storage if it is not formatted yet, starts the broker and waits until it
         * answers a describe-cluster request.
         *
         * @throws IllegalStateException when a port is taken, or the broker fails or times out
         *                               (the message names the broker log)
         */
        public LocalKafkaBroker start() {
            int[] ports = resolvePorts(port, controllerPort);
            return new LocalKafkaBroker(this, ports[0], ports[1]).start();
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Not a port: " + port);
            }
            return port;
        }

        /** Fixed ports must be free now; port 0 becomes a free port distinct from the other one. */
        private static int[] resolvePorts(int port, int controllerPort) {
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException("Broker and controller need different ports, both are " + port);
            }
            List<ServerSocket> held = new ArrayList<>();
            try {
                int[] resolved = {bind(port, "broker", held), bind(controllerPort, "controller", held)};
                return resolved;
            } finally {
                for (ServerSocket s : held) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // Closing a bound, never-accepted socket cannot lose data.
                    }
                }
            }
        }

        private static int bind(int port, String role, List<ServerSocket> held) {
            try {
                ServerSocket s = new ServerSocket();
                held.add(s);
                s.bind(new InetSocketAddress(host(), port));
                return s.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException("Cannot start Kafka: the " + role + " port " + HOST + ":" + port
                        + " is already in use (" + e.getMessage() + "): stop the process listening there"
                        + " (perhaps a broker left running) or choose another port", e);
            }
        }
    }
}
