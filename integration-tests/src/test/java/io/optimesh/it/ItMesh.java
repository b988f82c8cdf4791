package io.optimesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.optimesh.cli.GrpcHealth;
import io.optimesh.cli.Mesh;
import io.optimesh.cli.MeshLayout;
import io.optimesh.cli.MeshPlan;
import io.optimesh.cli.MeshService;
import io.optimesh.cli.MeshState;
import io.optimesh.cli.Processes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A local mesh an integration test starts from the packaged services, as {@code ./optimesh up} does, in a
 * state directory of its own under {@code integration-tests/target} and on ports of its own, so the tests
 * and a developer's mesh never meet. It can kill a service with SIGKILL and start it again as the mesh
 * starts it, and it closes every channel it opened and every process it started.
 */
final class ItMesh {

    final Path home;
    final MeshLayout layout;
    final MeshPlan plan;
    private final PrintWriter out;
    private final Mesh mesh;
    private final MeshState started;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Process> restarted = new ArrayList<>();

    private ItMesh(Path home, MeshLayout layout, MeshPlan plan, PrintWriter out, Mesh mesh, MeshState started) {
        this.home = home;
        this.layout = layout;
        this.plan = plan;
        this.out = out;
        this.mesh = mesh;
        this.started = started;
    }

    /** Starts {@code services} (and the broker) in a fresh {@code integration-tests/target/<name>}. */
    static ItMesh up(String name, List<MeshService> services, int basePort, int kafkaPort, Duration timeout,
            PrintWriter out) throws IOException {
        Path home = Path.of(System.getProperty("optimesh.home", "..")).toAbsolutePath().normalize();
        Path state = home.resolve("integration-tests/target").resolve(name);
        deleteRecursively(state);
        MeshLayout layout = MeshLayout.of(home, state);
        MeshPlan plan = MeshPlan.of(layout, services, basePort, kafkaPort);
        Mesh mesh = new Mesh(out, out);
        return new ItMesh(home, layout, plan, out, mesh, mesh.up(plan, timeout));
    }

    /** A plaintext channel to a service, closed by {@link #down()}. */
    ManagedChannel channel(MeshService service) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(MeshPlan.HOST, plan.port(service)).usePlaintext()
                .build();
        channels.add(channel);
        return channel;
    }

    /** Kills a service the mesh started with SIGKILL and waits for it to be gone. */
    void kill(MeshService service) throws InterruptedException, ExecutionException, TimeoutException {
        ProcessHandle process = started.entry(service.id()).flatMap(MeshState.Entry::process).orElseThrow();
        assertThat(process.destroyForcibly()).as("SIGKILL sent to %s", service.id()).isTrue();
        process.onExit().get(30, TimeUnit.SECONDS);
        out.printf("Killed %s (pid %d)%n", service.id(), process.pid());
    }

    /** Starts a service again as the mesh starts it, on the same state directory, and waits until it serves. */
    void restart(MeshService service) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = Processes.startDetached(plan.command(service, java), plan.environment(service),
                layout.stateDir(), layout.logFile(service.id()));
        restarted.add(process);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        try (GrpcHealth health = new GrpcHealth(MeshPlan.HOST, plan.port(service))) {
            while (health.check(Duration.ofSeconds(2)) != GrpcHealth.Result.SERVING) {
                assertThat(process.isAlive()).as("the restarted %s runs; see %s", service.id(),
                        layout.logFile(service.id())).isTrue();
                assertThat(System.nanoTime()).as("the restarted %s serves within 2 minutes", service.id())
                        .isLessThan(deadline);
                Thread.sleep(250);
            }
        }
    }

    /** Closes the channels, stops what this test restarted and the mesh; whether every port is free again. */
    boolean down() {
        channels.forEach(ManagedChannel::shutdownNow);
        Processes.stop(restarted.stream().map(Process::toHandle).toList(), Duration.ofSeconds(30));
        return mesh.down(layout, Duration.ofSeconds(30));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Iterator<Path> it = paths.sorted(Comparator.reverseOrder()).iterator(); it.hasNext(); ) {
                Files.delete(it.next());
            }
        }
    }
}
