package io.optimesh.law.curve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void withoutACompanionFileRebuildsWarmupAndInterpolatesBetweenLoggedSteps() throws IOException {
        Path csv = write("run.csv", "loss,step,lr", "3.0,4,4e-3", "2.9,6,4e-3", "2.8,10,2e-3");

        LossCurve curve = CurveCsvReader.read(csv);

        assertThat(curve.lrs()).containsExactly(0, 1e-3, 2e-3, 3e-3, 4e-3, 4e-3, 4e-3, 3.5e-3, 3e-3, 2.5e-3, 2e-3);
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
                                "bad.csv row 5: loss NaN is not a positive finite number",
                                "bad.csv row 4: learning rate NaN is not a non-negative finite number",
                                "bad.csv row 6: learning rate -0.001 is not a non-negative finite number"));
    }

    @Test
    void refusesCellsThatAreNotNumbersAndRowsWithMissingColumns() throws IOException {
        Path csv = write("bad.csv", "step,lr,loss", "1,1e-3,3.0", "2.5,1e-3,2.9", "3,1e-3", "4,1e-3,abc");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("bad.csv row 3: step '2.5' is not an integer; bad.csv row 4: has 2 columns, the header has 3; "
                        + "bad.csv row 5: loss 'abc' is not a number");
    }

    @Test
    void refusesAHeaderWithoutTheNeededColumns() throws IOException {
        Path csv = write("bad.csv", "step,learning_rate,loss", "1,1e-3,3.0");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("bad.csv row 1: the header step,learning_rate,loss has no column 'lr' (expected step,lr,loss)");
    }

    @Test
    void refusesAnLrFileThatIsTooShortForTheCurve() throws IOException {
        Path csv = write("run.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "2,1e-3");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("run.lr.csv: covers steps 0..2 but the curve logs step 3");
    }

    @Test
    void refusesAnLrFileWithGapsOrBadValues() throws IOException {
        Path csv = write("run.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "3,1e-3", "4,1e-3");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessageStartingWith("run.lr.csv row 4: step 3 where step 2 was expected: "
                        + "the file must list every step from 0 in order");
    }

    @Test
    void refusesLoggedLrsThatDisagreeWithTheLrFile() throws IOException {
        Path csv = write("run.csv", "step,lr,loss", "1,1e-3,3.0", "2,2e-3,2.9", "3,1e-3,2.8");
        write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "2,1e-3", "3,1e-3");

        assertThatThrownBy(() -> CurveCsvReader.read(csv))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("run.csv row 3: logged learning rate 0.002 at step 2 disagrees with 0.001 in run.lr.csv");
    }

    @Test
    void readsEveryCurveOfADirectoryButNotTheLrFiles() throws IOException {
        write("b.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        write("a.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        write("a.lr.csv", "step,lr", "0,0", "1,1e-3", "2,1e-3", "3,1e-3");

        assertThat(CurveCsvReader.readDirectory(dir)).extracting(LossCurve::name).containsExactly("a", "b");
    }
}
