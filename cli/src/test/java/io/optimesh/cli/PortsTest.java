package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void aListeningPortIsTakenAndTheErrorNamesItsHolderAndWhatToDo() throws Exception {
        int port;
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            port = listener.getLocalPort();
            assertThat(Ports.isFree(port)).isFalse();
            assertThat(Ports.holder(port)).map(ProcessHandle::pid).contains(ProcessHandle.current().pid());

            Map<String, Integer> ports = new LinkedHashMap<>();
            ports.put("kafka", freePort());
            ports.put("trainer-svc", port);
            assertThatThrownBy(() -> Ports.requireFree(ports))
                    .isInstanceOf(MeshException.class)
                    .hasMessageStartingWith("port " + port + " is in use by pid " + ProcessHandle.current().pid() + " (")
                    .hasMessageContaining("; trainer-svc needs it.\n")
                    .hasMessageEndingWith("Is a mesh already up? run ./optimesh down. Otherwise stop that process or"
                            + " move the mesh with --base-port / --kafka-port.")
                    .hasMessageNotContaining("kafka needs it");
        }
        assertThat(Ports.isFree(port)).isTrue();
        assertThat(Ports.holder(port)).isEmpty();
    }

    @Test
    void everyTakenPortIsReportedAtOnce() throws Exception {
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            Map<String, Integer> ports = new LinkedHashMap<>();
            ports.put("law-svc", a.getLocalPort());
            ports.put("merge-svc", b.getLocalPort());
            assertThatThrownBy(() -> Ports.requireFree(ports))
                    .hasMessageContaining("port " + a.getLocalPort() + " is in use")
                    .hasMessageContaining("port " + b.getLocalPort() + " is in use")
                    .hasMessageContaining("Otherwise stop those processes")
                    .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(3));
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
