package io.optimesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optimesh.cli.MeshService;
import io.optimesh.cli.OptimeshCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./optimesh law ...} against a real law-svc started as the mesh starts it: the MPL paper's
 * 400M curves, fitted on constant and cosine and tested on the two-stage curve, through every command.
 */
class LawCliIT {

    /** Away from the defaults and from MeshIT's ports. */
    private static final int BASE_PORT = 18180;
    private static final int KAFKA_PORT = 19192;
    private static final PrintWriter OUT = new PrintWriter(System.out, true);

    private static ItMesh mesh;

    @TempDir
    static Path dir;

    @BeforeAll
    static void up() throws IOException {
        mesh = ItMesh.up("it-law-cli", List.of(MeshService.LAW), BASE_PORT, KAFKA_PORT, Duration.ofMinutes(4), OUT);
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            assertThat(mesh.down()).isTrue();
        }
    }

    private static Path curves() {
        Path shared = mesh.home.resolveSibling("shared").resolve("data").resolve("mpl-curves").resolve("400");
        return Files.isDirectory(shared) ? shared
                : Path.of(System.getProperty("optimesh.mpl-curves", "/work/shared/data/mpl-curves")).resolve("400");
    }

    /** Copies curve X (and X.lr.csv) into a directory of its own. */
    private static Path set(String name, String... curves) throws IOException {
        Path set = Files.createDirectories(dir.resolve(name));
        for (String curve : curves) {
            Files.copy(curves().resolve(curve + ".csv"), set.resolve(curve + ".csv"));
            Files.copy(curves().resolve(curve + ".lr.csv"), set.resolve(curve + ".lr.csv"));
        }
        return set;
    }

    private record Result(int status, String out, String err) {
        String lastLine() {
            List<String> lines = out.lines().toList();
            return lines.get(lines.size() - 1);
        }
    }

    private static Result optimesh(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = OptimeshCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = Stream.concat(Stream.of(args), Stream.of("--state-dir", mesh.layout.stateDir().toString()))
                .toArray(String[]::new);
        int status = cli.execute(all);
        OUT.println("$ optimesh " + String.join(" ", args) + "\n" + out + err);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void backtestFitsOnOneDirectoryAndEndsWithTheJsonLine() throws IOException {
        Path fit = set("fit", "constant_24000", "cosine_24000");
        Path test = set("test", "wsdcon_9");

        Result json = optimesh("law", "backtest", "--fit", fit.toString(), "--test", test.toString(), "--law", "mpl",
                "--json");
        assertThat(json.status()).as(json.err()).isZero();
        JsonNode line = new ObjectMapper().readTree(json.lastLine());
        assertThat(line.get("mean_rel_error").asDouble()).isBetween(1e-5, 0.01);
        assertThat(line.get("worst_rel_error").asDouble()).isBetween(line.get("mean_rel_error").asDouble(), 0.03);
        assertThat(line.get("curves")).hasSize(1);
        assertThat(line.get("curves").get(0).get("name").asText()).isEqualTo("wsdcon_9");
        assertThat(line.get("curves").get(0).get("mean_rel_error").asDouble())
                .isEqualTo(line.get("mean_rel_error").asDouble());

        Result table = optimesh("law", "backtest", "--fit", fit.toString(), "--test", test.toString());
        assertThat(table.status()).isZero();
        assertThat(table.out()).contains("test curve").contains("wsdcon_9").contains("all");
    }

    @Test
    void fitSavesALawThatPredictRankAndOptimizeUse() throws IOException {
        Path fit = set("fit2", "constant_24000", "cosine_24000");
        Path law = dir.resolve("mpl.json");
        Result fitted = optimesh("law", "fit", "--law", "mpl", "--save", law.toString(), "--json", fit.toString());
        assertThat(fitted.status()).as(fitted.err()).isZero();
        JsonNode line = new ObjectMapper().readTree(fitted.lastLine());
        assertThat(line.get("parameters").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("L0", "A", "alpha", "B", "C", "beta", "gamma");
        assertThat(line.get("mean_rel_error").asDouble()).isLessThan(0.005);
        assertThat(law).exists();

        Path wsd = set("wsd", "wsdcon_9").resolve("wsdcon_9.csv");
        Result predicted = optimesh("law", "predict", "--fitted", law.toString(), "--json", wsd.toString());
        assertThat(predicted.status()).as(predicted.err()).isZero();
        JsonNode points = new ObjectMapper().readTree(predicted.lastLine()).get("points");
        assertThat(points.size()).isGreaterThan(50);
        for (JsonNode p : points) {
            assertThat(p.get("lower").asDouble()).isLessThan(p.get("loss").asDouble());
            assertThat(p.get("upper").asDouble()).isGreaterThan(p.get("loss").asDouble());
            assertThat(p.get("rel_error").asDouble()).isLessThan(0.03);
        }

        Result ranked = optimesh("law", "rank", "--fitted", law.toString(), "--json",
                curves().resolve("constant_24000.lr.csv").toString(), curves().resolve("cosine_24000.lr.csv").toString());
        assertThat(ranked.status()).as(ranked.err()).isZero();
        JsonNode ranking = new ObjectMapper().readTree(ranked.lastLine()).get("ranking");
        // Annealing to a tenth of the peak ends lower than staying at the peak for the same steps.
        assertThat(ranking.get(0).get("schedule").asText()).endsWith("cosine_24000.lr.csv");
        assertThat(ranking.get(0).get("loss").asDouble()).isLessThan(ranking.get(1).get("loss").asDouble());

        Result optimized = optimesh("law", "optimize", "--fitted", law.toString(), "--total-steps", "24000",
                "--max-peak-lr", "3e-4", "--warmup-steps", "2160");
        if (optimized.status() == 0) {
            assertThat(optimized.out()).contains("Predicted loss at step");
        } else {
            assertThat(optimized.err()).contains("does not serve OptimizeSchedule yet").doesNotContain("\tat ");
        }
    }

    @Test
    void refusedInputNamesTheCurveAndRowWithoutAStackTrace() throws IOException {
        Path bad = Files.createDirectories(dir.resolve("few"));
        Files.writeString(bad.resolve("short.csv"), "step,lr,loss\n100,0.001,3.0\n200,0.001,2.9\n");
        Result result = optimesh("law", "fit", "--law", "mpl", bad.toString());
        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).contains("law-svc refused the request").contains("curves[0]")
                .doesNotContain("\tat ");
    }
}
