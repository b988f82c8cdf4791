package io.optimesh.cli.law;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optimesh.cli.OptimeshCommand;
import io.optimesh.v1.BacktestResponse;
import io.optimesh.v1.CurveError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LawCommandTest {

    @TempDir
    Path dir;

    @Test
    void backtestJsonHoldsTheOverallAndPerCurveErrors() throws IOException {
        BacktestResponse response = BacktestResponse.newBuilder().setMeanRelativeError(0.0012)
                .setWorstRelativeError(0.0081)
                .addCurves(CurveError.newBuilder().setName("wsd").setMeanRelativeError(0.001)
                        .setWorstRelativeError(0.0081).setPoints(90))
                .addCurves(CurveError.newBuilder().setName("cosine").setMeanRelativeError(0.0014)
                        .setWorstRelativeError(0.005).setPoints(100))
                .build();

        String line = LawOutput.line(BacktestCommand.json(response));

        assertThat(line).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.fieldNames()).toIterable().containsExactly("mean_rel_error", "worst_rel_error", "curves");
        assertThat(json.get("mean_rel_error").asDouble()).isEqualTo(0.0012);
        assertThat(json.get("worst_rel_error").asDouble()).isEqualTo(0.0081);
        assertThat(json.get("curves")).hasSize(2);
        assertThat(json.get("curves").get(1).get("name").asText()).isEqualTo("cosine");
        assertThat(json.get("curves").get(1).get("mean_rel_error").asDouble()).isEqualTo(0.0014);
        assertThat(json.get("curves").get(1).get("worst_rel_error").asDouble()).isEqualTo(0.005);
        assertThat(json.get("curves").get(0).fieldNames()).toIterable()
                .containsExactly("name", "mean_rel_error", "worst_rel_error");
    }

    private int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = OptimeshCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void badCurvesAreOneClearMessageBeforeAnyCall() throws IOException {
        Files.writeString(dir.resolve("a.csv"), "step,lr,loss\n1,0.1,3\n2,0.1,oops\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = run(out, err, "law", "backtest", "--fit", dir.toString(), "--test", dir.toString(),
                "--address", "127.0.0.1:1", "--json");

        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).contains("optimesh: bad curve input:")
                .contains(dir.resolve("a.csv") + " row 3: loss 'oops' is not a number")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void noMeshAndAnUnknownLawAreClearMessages() throws IOException {
        Files.writeString(dir.resolve("a.csv"), "step,lr,loss\n1,0.1,3\n2,0.1,2.9\n3,0.1,2.8\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = run(out, err, "law", "fit", "--state-dir", dir.resolve("state").toString(), dir.toString());
        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).contains("no mesh is running").contains("./optimesh up --services law-svc");

        StringWriter err2 = new StringWriter();
        int usage = run(new StringWriter(), err2, "law", "fit", "--law", "cubic", dir.toString());
        assertThat(usage).isEqualTo(2);
        assertThat(err2.toString()).contains("unknown law 'cubic' (expected one of mpl, power, momentum, opt-laws)");
    }

    @Test
    void anUnreachableServiceIsNamed() throws IOException {
        Files.writeString(dir.resolve("a.csv"), "step,lr,loss\n1,0.1,3\n2,0.1,2.9\n3,0.1,2.8\n");
        StringWriter err = new StringWriter();
        int status;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            int port = socket.getLocalPort();
            socket.close();
            status = run(new StringWriter(), err, "law", "fit", "--address", "127.0.0.1:" + port, dir.toString());
            assertThat(err.toString()).contains("law-svc at 127.0.0.1:" + port + " is not reachable");
        }
        assertThat(status).isEqualTo(1);
    }
}
