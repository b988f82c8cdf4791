package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshStateTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsThroughMeshJson() throws Exception {
        MeshLayout layout = MeshLayout.of(dir, null);
        MeshState state = MeshState.started(layout, "127.0.0.1:9092")
                .with(new MeshState.Entry("kafka", 4242, "2025-01-02T03:04:05.060Z", 9092, List.of(9093)))
                .with(new MeshState.Entry("trainer-svc", 4343, "2025-01-02T03:04:07Z", 8081, List.of()));

        state.write(layout.meshFile());

        assertThat(layout.meshFile()).isEqualTo(dir.resolve(".optimesh/mesh.json"));
        MeshState read = MeshState.read(layout.meshFile()).orElseThrow();
        assertThat(read).isEqualTo(state);
        assertThat(read.entry("kafka").orElseThrow().allPorts()).containsExactly(9092, 9093);
        assertThat(read.entry("trainer-svc").orElseThrow().isKafka()).isFalse();
        String json = Files.readString(layout.meshFile());
        assertThat(json).contains("\"pid\" : 4343").contains("\"bootstrapServers\" : \"127.0.0.1:9092\"")
                .doesNotContain("kafka\" : true").doesNotContain("allPorts");
        assertThat(Files.exists(layout.meshFile().resolveSibling("mesh.json.tmp"))).isFalse();
    }

    @Test
    void aLaterEntryForTheSameNameReplacesTheEarlierOne() {
        MeshState state = MeshState.started(MeshLayout.of(dir, null), "127.0.0.1:9092")
                .with(new MeshState.Entry("law-svc", 1, "", 8083, List.of()))
                .with(new MeshState.Entry("law-svc", 2, "", 8083, List.of()));
        assertThat(state.processes()).extracting(MeshState.Entry::pid).containsExactly(2L);
    }

    @Test
    void findsItsProcessOnlyWhileTheSameProcessRuns() throws Exception {
        ProcessHandle self = ProcessHandle.current();
        MeshState.Entry current = MeshState.Entry.of("law-svc", self, 8083, List.of());
        assertThat(current.processStart()).isNotEmpty();
        assertThat(current.process()).contains(self);

        // Same pid, but the recorded process started a day earlier: the pid was reused, not ours.
        Instant dayBefore = Instant.parse(current.processStart()).minusSeconds(86_400);
        MeshState.Entry reused = new MeshState.Entry("law-svc", self.pid(), dayBefore.toString(), 8083, List.of());
        assertThat(reused.process()).isEmpty();

        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        assertThat(new MeshState.Entry("law-svc", exited.pid(), "", 8083, List.of()).process()).isEmpty();
    }

    @Test
    void noFileMeansNoMeshAndABrokenFileSaysWhatToDo() throws Exception {
        Path file = dir.resolve("mesh.json");
        assertThat(MeshState.read(file)).isEmpty();
        Files.writeString(file, "{ not json");
        assertThatThrownBy(() -> MeshState.read(file)).isInstanceOf(MeshException.class)
                .hasMessageContaining("cannot read " + file).hasMessageContaining("delete it");
    }
}
