package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeshPlanTest {

    private final MeshLayout layout = MeshLayout.of(Path.of("/repo"), null);

    @Test
    void defaultPortsAreTheDocumentedOnes() {
        MeshPlan plan = MeshPlan.of(layout, List.of(MeshService.values()), 8080, 9092);
        assertThat(plan.ports()).containsExactly(
                java.util.Map.entry("kafka", 9092), java.util.Map.entry("kafka controller", 9093),
                java.util.Map.entry("agent-coordinator", 8080), java.util.Map.entry("trainer-svc", 8081),
                java.util.Map.entry("optimizer-svc", 8082), java.util.Map.entry("law-svc", 8083),
                java.util.Map.entry("merge-svc", 8084));
        assertThat(plan.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void aBasePortMovesEveryServiceAndPeersAreWiredToTheMovedPorts() {
        MeshPlan plan = MeshPlan.of(layout, List.of(MeshService.OPTIMIZER, MeshService.LAW), 18080, 19092);

        assertThat(plan.ports()).containsOnlyKeys("kafka", "kafka controller", "optimizer-svc", "law-svc");
        assertThat(plan.port(MeshService.LAW)).isEqualTo(18083);
        assertThat(plan.environment(MeshService.OPTIMIZER))
                .containsEntry("QUARKUS_HTTP_HOST", "127.0.0.1")
                .containsEntry("QUARKUS_HTTP_PORT", "18082")
                .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
                .containsEntry("OPTIMESH_STATE_DIR", "/repo/.optimesh")
                .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false")
                .containsEntry("QUARKUS_GRPC_CLIENTS_TRAINER_HOST", "127.0.0.1")
                .containsEntry("QUARKUS_GRPC_CLIENTS_TRAINER_PORT", "18081")
                .containsEntry("QUARKUS_GRPC_CLIENTS_OPTIMIZER_PORT", "18082")
                .containsEntry("QUARKUS_GRPC_CLIENTS_LAW_PORT", "18083")
                .containsEntry("QUARKUS_GRPC_CLIENTS_MERGE_PORT", "18084")
                .containsEntry("OMP_WAIT_POLICY", "PASSIVE")
                .containsEntry("MKL_DYNAMIC", "FALSE")
                .containsEntry("OMP_DYNAMIC", "FALSE")
                .containsEntry("MKL_CBWR", "AUTO")
                .hasSize(17);
    }

    @Test
    void eachServiceRunsItsQuarkusJarOfflineWithItsOwnHeap() {
        MeshPlan plan = MeshPlan.of(layout, List.of(MeshService.TRAINER), 8080, 9092);
        assertThat(plan.command(MeshService.TRAINER, Path.of("/jdk/bin/java"))).containsExactly(
                "/jdk/bin/java", "-Xmx1g", "-XX:+UseSerialGC", "-Dai.djl.offline=true", "-jar",
                "/repo/trainer-svc/target/quarkus-app/quarkus-run.jar");
    }

    @Test
    void clashingOrImpossiblePortsAreRefused() {
        assertThatThrownBy(() -> MeshPlan.of(layout, List.of(MeshService.values()), 9090, 9092))
                .isInstanceOf(MeshException.class)
                .hasMessage("port 9092 is planned for both kafka and optimizer-svc; choose other --base-port / --kafka-port"
                        + " values");
        assertThatThrownBy(() -> MeshPlan.of(layout, List.of(MeshService.MERGE), 65533, 9092))
                .hasMessageContaining("port 65537, outside 1..65535");
        assertThatThrownBy(() -> MeshPlan.of(layout, List.of(), 8080, 9092))
                .hasMessage("a mesh needs at least one service");
    }

    @Test
    void serviceListsAcceptShortNamesAndKeepTheStartOrder() {
        assertThat(MeshService.parseList("law, optimizer-svc,coordinator,law"))
                .containsExactly(MeshService.AGENT_COORDINATOR, MeshService.OPTIMIZER, MeshService.LAW);
        assertThatThrownBy(() -> MeshService.parseList("optimizer,lawyer"))
                .hasMessage("unknown service 'lawyer'; the services are agent-coordinator, trainer-svc, optimizer-svc,"
                        + " law-svc, merge-svc");
        assertThatThrownBy(() -> MeshService.parseList(" , ")).hasMessageStartingWith("no service named");
    }

    @Test
    void anExplicitStateDirectoryIsTakenAsTypedAndHoldsEverything() {
        MeshLayout custom = MeshLayout.of(Path.of("/repo"), Path.of("/tmp/mesh"));
        assertThat(custom.meshFile()).isEqualTo(Path.of("/tmp/mesh/mesh.json"));
        assertThat(custom.logFile("law-svc")).isEqualTo(Path.of("/tmp/mesh/logs/law-svc.log"));
        assertThat(custom.logFile("kafka")).isEqualTo(Path.of("/tmp/mesh/kafka/kafka.log"));
        assertThat(custom.checkpointsDir()).isEqualTo(Path.of("/tmp/mesh/checkpoints"));
        assertThat(MeshLayout.of(Path.of("/repo"), Path.of("rel")).stateDir())
                .isEqualTo(Path.of("rel").toAbsolutePath());
    }
}
