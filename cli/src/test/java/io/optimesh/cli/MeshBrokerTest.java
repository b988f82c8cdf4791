package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real KRaft broker, from kafka_2.13 on the CLI's classpath, through the mesh's own start and stop code. */
class MeshBrokerTest {

    @TempDir
    Path stateDir;

    @Test
    void theBrokerOutlivesTheCommandThatStartedItAndDownStopsItAndFreesItsPorts() throws Exception {
        int port = PortsTest.freePort();
        int controllerPort = PortsTest.freePort();
        MeshLayout layout = MeshLayout.of(stateDir, stateDir);
        Path launcherLog = stateDir.resolve("launcher.log");
        Process launcher = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StartBrokerThenExit.class.getName(),
                stateDir.toString(), Integer.toString(port), Integer.toString(controllerPort))
                .redirectErrorStream(true)
                .redirectOutput(launcherLog.toFile())
                .start();
        Optional<ProcessHandle> broker = Optional.empty();
        try {
            assertThat(launcher.waitFor(150, TimeUnit.SECONDS)).as("launcher finished").isTrue();
            assertThat(launcher.exitValue()).as(() -> readOrEmpty(launcherLog)).isZero();

            MeshState.Entry kafka = MeshState.read(layout.meshFile()).orElseThrow().entry(MeshPlan.KAFKA).orElseThrow();
            broker = kafka.process();
            assertThat(broker).as("broker still running after its launcher exited").isPresent();
            assertThat(kafka.allPorts()).containsExactly(port, controllerPort);
            assertThat(Ports.isFree(port)).isFalse();
            assertThat(Ports.isFree(controllerPort)).isFalse();
            assertThat(Ports.holder(port)).map(ProcessHandle::pid).contains(kafka.pid());

            StringWriter out = new StringWriter();
            Mesh mesh = new Mesh(new PrintWriter(out, true), new PrintWriter(out, true));
            assertThat(mesh.status(layout)).as(out::toString).isZero();
            assertThat(out.toString()).containsPattern("kafka\\s+127\\.0\\.0\\.1:" + port + "\\s+" + kafka.pid()
                    + "\\s+running\\s+READY \\(1 broker\\)");

            assertThat(mesh.down(layout, Duration.ofSeconds(30))).as(out::toString).isTrue();
            assertThat(out.toString()).contains("Mesh stopped; ports " + port + ", " + controllerPort + " are free.")
                    .doesNotContain("killed");
            assertThat(broker.get().isAlive()).isFalse();
            assertThat(Ports.isFree(port)).isTrue();
            assertThat(Ports.isFree(controllerPort)).isTrue();
            assertThat(layout.meshFile()).doesNotExist();
            assertThat(Files.readString(layout.logFile(MeshPlan.KAFKA))).contains("Kafka Server started");

            out.getBuffer().setLength(0);
            assertThat(mesh.down(layout, Duration.ofSeconds(30))).isTrue();
            assertThat(out.toString()).startsWith("No mesh is running");
        } finally {
            launcher.destroyForcibly();
            broker.filter(ProcessHandle::isAlive).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "";
        }
    }
}
