package io.optimesh.law.curve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurveCsvReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    @Test
    void readsTheExactLrSequenceFromTheCompanionFile() throws IOException {
        Path csv = write("run.csv", "step,lr,loss", "2,2e-3,3.0", "3,3e-3,2.9", "4,3e-3,2.8");
        write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "2,2e-3", "3,3e-3", "4,3e-3", "5,1e-3");

        LossCurve curve = CurveCsvReader.read(csv);

        assertThat(curve.name()).isEqualTo("run");
        assertThat(curve.steps()).containsExactly(2, 3, 4);
        assertThat(curve.losses()).containsExactly(3.0, 2.9, 2.8);
        assertThat(curve.lrs()).containsExactly(0, 1e-3, 2e-3, 3e-3, 3e-3, 1e-3);
    }

    @Test
    void readsTheMplPaperCurvesWithTheirFullSchedules() {
        List<LossCurve> curves = CurveCsvReader.readDirectory(Path.of(TestData.MPL_CURVES, "400"));

        assertThat(curves).extracting(LossCurve::name).containsExactly("constant_24000", "cosine_24000", "wsdcon_9");
        LossCurve cosine = curves.get(1);
        assertThat(cosine.size()).isEqualTo(171);
        assertThat(cosine.step(0)).isEqualTo(2160);
        assertThat(cosine.lrs()).hasSize(23921);
        assertThat(cosine.lrs()[1080]).isEqualTo(1.5e-4);
    }

    @Test
    void refusesTooFewPoints() throws IOException {
        Path csv = write("short.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("short.csv: has 2 points, at least 3 are needed");
    }

    @Test
    void refusesNonMonotoneStepsNamingFileAndRow() throws IOException {
        Path csv = write("bad.csv", "step,lr,loss", "1,1e-3,3.0", "5,1e-3,2.9", "5,1e-3,2.8", "4,1e-3,2.7");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("bad.csv row 4: step 5 does not come after the previous step 5; "
                        + "bad.csv row 5: step 4 does not come after the previous step 5");
    }

    @Test
    void refusesNegativeAndNanLossesAndLrs() throws IOException {
        Path csv = write("bad.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,-2.9", "3,NaN,2.8", "4,1e-3,NaN",
                "5,-1e-3,2.6");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOfSatisfying(CurveValidationException.class, e -> assertThat(e.violations())
                        .extracting(CurveViolation::toString)
                        .containsExactly(
                                "bad.csv row 3: loss -2.9 is not a positive finite number",
                                "bad.csv row 4: lr NaN is not a non-negative finite number",
                                "bad.csv row 5: loss NaN is not a positive finite number",
                                "bad.csv row 6: lr -0.001 is not a non-negative finite number"));
        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOfSatisfying(CurveValidationException.class, e -> assertThat(e.violations())
                        .extracting(CurveViolation::curve, CurveViolation::field, CurveViolation::index)
                        .containsExactly(tuple("bad", "losses", 1), tuple("bad", "lrs", 2), tuple("bad", "losses", 3),
                                tuple("bad", "lrs", 4)));
    }

    @Test
    void refusesAnLrFileThatIsTooShortForTheCurve() throws IOException {
        Path csv = write("run.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "2,1e-3");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("run.csv row 4: step 3 lies beyond run.lr.csv, which lists steps 0..2");
    }

    @Test
    void readsEveryCurveOfADirectoryButNotTheLrFiles() throws IOException {
        write("b.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        write("a.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        write("a.lr.csv", "step,lr", "0,0", "1,1e-3", "2,1e-3", "3,1e-3");

        assertThat(CurveCsvReader.readDirectory(dir)).extracting(LossCurve::name).containsExactly("a", "b");
    }
}
