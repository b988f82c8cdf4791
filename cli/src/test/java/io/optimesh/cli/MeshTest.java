package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks {@code up} makes before it starts anything. */
class MeshTest {

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final Mesh mesh = new Mesh(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));

    @Test
    void upWithoutABuildSaysHowToBuild() {
        MeshPlan plan = MeshPlan.of(MeshLayout.of(home, null), List.of(MeshService.LAW, MeshService.MERGE), 28080, 29092);
        assertThatThrownBy(() -> mesh.up(plan, Duration.ofSeconds(5)))
                .isInstanceOf(MeshException.class)
                .hasMessageStartingWith("not built: no runnable jar for law-svc (" + home.resolve(
                        "law-svc/target/quarkus-app/quarkus-run.jar") + "), merge-svc (")
                .hasMessageEndingWith("run ./mvnw -B package -DskipTests, or just ./optimesh demo (it builds first)");
        assertThat(home.resolve(".optimesh/mesh.json")).doesNotExist();
    }

    @Test
    void upWithATakenPortStopsBeforeStartingAnything() throws Exception {
        // The jar only has to exist: the port check comes first and nothing is run.
        Path jar = home.resolve("optimizer-svc/target/quarkus-app/quarkus-run.jar");
        Files.createDirectories(jar.getParent());
        Files.createFile(jar);
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            MeshPlan plan = MeshPlan.of(MeshLayout.of(home, null), List.of(MeshService.OPTIMIZER),
                    port - MeshService.OPTIMIZER.portOffset(), PortsTest.freePort());
            assertThatThrownBy(() -> mesh.up(plan, Duration.ofSeconds(5)))
                    .hasMessageStartingWith("port " + port + " is in use by pid " + ProcessHandle.current().pid())
                    .hasMessageContaining("Is a mesh already up? run ./optimesh down.");
        }
        assertThat(home.resolve(".optimesh/mesh.json")).doesNotExist();
        assertThat(home.resolve(".optimesh/kafka")).doesNotExist();
    }

    @Test
    void upRefusesWhileTheRecordedMeshStillRuns() {
        MeshLayout layout = MeshLayout.of(home, null);
        MeshState.started(layout, "127.0.0.1:9092")
                .with(MeshState.Entry.of("law-svc", ProcessHandle.current(), 8083, List.of()))
                .write(layout.meshFile());
        MeshPlan plan = MeshPlan.of(layout, List.of(MeshService.LAW), 28080, 29092);
        assertThatThrownBy(() -> mesh.up(plan, Duration.ofSeconds(5)))
                .hasMessage("a mesh is already up: law-svc (pid " + ProcessHandle.current().pid() + ") (recorded in "
                        + layout.meshFile() + "); run ./optimesh down first");
        assertThat(layout.meshFile()).exists();
    }
}
