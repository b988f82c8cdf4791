package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class OptimeshCommandTest {

    @TempDir
    Path stateDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = OptimeshCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void upParsesPortsServicesAndTimeoutIntoAPlan() {
        CommandLine cli = OptimeshCommand.commandLine();
        ParseResult parsed = cli.parseArgs("up", "--services", "optimizer,law", "--base-port", "9100",
                "--kafka-port", "9200", "--timeout", "30", "--state-dir", stateDir.toString());
        UpCommand up = (UpCommand) parsed.subcommand().commandSpec().userObject();
        MeshPlan plan = up.plan.plan(up.state.layout(), MeshService.parseList(up.services));

        assertThat(plan.services()).containsExactly(MeshService.OPTIMIZER, MeshService.LAW);
        assertThat(plan.port(MeshService.OPTIMIZER)).isEqualTo(9102);
        assertThat(plan.kafkaPort()).isEqualTo(9200);
        assertThat(plan.controllerPort()).isEqualTo(9201);
        assertThat(up.plan.startTimeout()).hasSeconds(30);
        assertThat(plan.layout().stateDir()).isEqualTo(stateDir);
    }

    @Test
    void defaultsAreTheDocumentedPorts() {
        ParseResult parsed = OptimeshCommand.commandLine().parseArgs("demo");
        DemoCommand demo = (DemoCommand) parsed.subcommand().commandSpec().userObject();
        // Unless the environment running the tests moved them.
        if (System.getenv("OPTIMESH_BASE_PORT") == null && System.getenv("OPTIMESH_KAFKA_PORT") == null) {
            MeshPlan plan = demo.plan.plan(MeshLayout.of(stateDir, null), List.of(MeshService.values()));
            assertThat(plan.port(MeshService.AGENT_COORDINATOR)).isEqualTo(8080);
            assertThat(plan.port(MeshService.MERGE)).isEqualTo(8084);
            assertThat(plan.kafkaPort()).isEqualTo(9092);
            assertThat(plan.controllerPort()).isEqualTo(9093);
        }
    }

    @Test
    void downAndStatusWithNoMeshSaySoAndDownSucceeds() {
        assertThat(run("down", "--state-dir", stateDir.toString())).isZero();
        assertThat(out.toString()).startsWith("No mesh is running (nothing recorded in " + stateDir.resolve("mesh.json"));
        assertThat(run("status", "--state-dir", stateDir.toString())).isEqualTo(3);
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aStaleMeshJsonIsReportedGoneAndCleanedUpByDown() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        MeshLayout layout = MeshLayout.of(stateDir, stateDir);
        MeshState.started(layout, "127.0.0.1:9092")
                .with(new MeshState.Entry("law-svc", exited.pid(), "", 8083, List.of()))
                .write(layout.meshFile());

        assertThat(run("status", "--state-dir", stateDir.toString())).isEqualTo(1);
        assertThat(out.toString()).containsPattern("law-svc\\s+127\\.0\\.0\\.1:8083\\s+" + exited.pid() + "\\s+gone\\s+-");

        assertThat(run("down", "--state-dir", stateDir.toString())).isZero();
        assertThat(out.toString()).contains("is no longer running; nothing to stop.");
        assertThat(layout.meshFile()).doesNotExist();
    }

    @Test
    void mistakesAreOneLineErrorsWithANonZeroExit() {
        assertThat(run("up", "--services", "lawyer", "--state-dir", stateDir.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith("optimesh: unknown service 'lawyer'").doesNotContain("Exception");

        assertThat(run("logs", "kafka", "--state-dir", stateDir.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("optimesh: no log for kafka in " + stateDir.resolve("logs"));

        assertThat(run("up", "--base-port", "eighty")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--base-port'");
    }

    @Test
    void logsPrintsTheEndOfEachLogWithItsName() throws Exception {
        MeshLayout layout = MeshLayout.of(stateDir, stateDir);
        Files.createDirectories(layout.logsDir());
        Files.createDirectories(layout.kafkaDir());
        Files.writeString(layout.logFile("law-svc"), "fit 1\nfit 2\nfit 3\n");
        Files.writeString(layout.logFile("kafka"), "Kafka Server started\n");

        assertThat(run("logs", "law", "-n", "2", "--state-dir", stateDir.toString())).isZero();
        assertThat(out.toString()).isEqualTo("fit 2\nfit 3\n");

        out.getBuffer().setLength(0);
        assertThat(run("logs", "--lines=1", "--state-dir", stateDir.toString())).isZero();
        assertThat(out.toString()).isEqualTo("kafka   | Kafka Server started\nlaw-svc | fit 3\n");
    }
}
