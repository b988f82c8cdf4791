package io.optimesh.core.curves;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurveCsvTest {

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    @Test
    void readsTheExactLrSequenceFromTheCompanionFile() throws IOException {
        Path csv = write("run.csv", "step,lr,loss", "2,2e-3,3.0", "3,3e-3,2.9", "4,3e-3,2.8");
        Path lr = write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "2,2e-3", "3,3e-3", "4,3e-3", "5,1e-3");

        CsvCurve curve = CurveCsv.read(csv);

        assertThat(curve.name()).isEqualTo("run");
        assertThat(curve.steps()).containsExactly(2, 3, 4);
        assertThat(curve.rows()).containsExactly(2, 3, 4);
        assertThat(curve.losses()).containsExactly(3.0, 2.9, 2.8);
        assertThat(curve.lrs()).containsExactly(0, 1e-3, 2e-3, 3e-3, 3e-3, 1e-3);
        assertThat(curve.lrFile()).isEqualTo(lr);
    }

    @Test
    void withoutACompanionFileRebuildsWarmupAndInterpolatesBetweenLoggedSteps() throws IOException {
        Path csv = write("run.csv", "loss,step,lr,extra", "3.0,4,4e-3,x", "2.9,6,4e-3,y", "", "2.8,10,2e-3,z");

        CsvCurve curve = CurveCsv.read(csv);

        assertThat(curve.rows()).containsExactly(2, 3, 5);
        assertThat(curve.loggedLrs()).containsExactly(4e-3, 4e-3, 2e-3);
        assertThat(curve.lrs()).containsExactly(0, 1e-3, 2e-3, 3e-3, 4e-3, 4e-3, 4e-3, 3.5e-3, 3e-3, 2.5e-3, 2e-3);
        assertThat(curve.lrFile()).isNull();
    }

    @Test
    void refusesBadRowsNamingFileAndRowEachOnce() throws IOException {
        Path csv = write("bad.csv", "step,lr,loss", "10,0.1,3.0", "5,0.1,2.9", "20,abc,2.8", "30,0.1,-1", "40,0.1",
                "50,NaN,2.5", "2.5,0.1,2.4");

        assertThatThrownBy(() -> CurveCsv.read(csv)).isInstanceOfSatisfying(CurveCsvException.class, e -> {
            assertThat(e.problems()).extracting(CsvProblem::toString).containsExactly(
                    csv + " row 4: lr 'abc' is not a number",
                    csv + " row 6: has 2 columns, the header has 3",
                    csv + " row 8: step '2.5' is not a non-negative integer",
                    csv + " row 3: step 5 does not come after the previous step 10",
                    csv + " row 5: loss -1.0 is not a positive finite number",
                    csv + " row 7: lr NaN is not a non-negative finite number");
            assertThat(e.problems()).extracting(CsvProblem::field)
                    .containsExactly("lrs", "points", "steps", "steps", "losses", "lrs");
        });
    }

    @Test
    void refusesAHeaderWithoutTheNeededColumnsAndAnEmptyFile() throws IOException {
        Path csv = write("bad.csv", "step,learning_rate,loss", "1,1e-3,3.0");
        assertThatThrownBy(() -> CurveCsv.read(csv)).isInstanceOf(CurveCsvException.class).hasMessage(
                csv + " row 1: the header step,learning_rate,loss has no column 'lr' (expected step,lr,loss)");

        Path headerOnly = write("h.csv", "step,lr,loss");
        assertThatThrownBy(() -> CurveCsv.read(headerOnly)).hasMessage(headerOnly + ": no data rows below the header");
    }

    @Test
    void refusesAnLrFileWithGapsOneTooShortAndLoggedLrsThatDisagreeWithIt() throws IOException {
        Path csv = write("run.csv", "step,lr,loss", "1,1e-3,3.0", "2,1e-3,2.9", "3,1e-3,2.8");
        Path lr = write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "3,1e-3", "4,1e-3");
        assertThatThrownBy(() -> CurveCsv.read(csv)).hasMessage(lr + " row 4: step 3 where step 2 was expected:"
                + " the file lists every step from 0 in order");

        write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "2,1e-3");
        assertThatThrownBy(() -> CurveCsv.read(csv))
                .hasMessage(csv + " row 4: step 3 lies beyond run.lr.csv, which lists steps 0..2");

        write("run.lr.csv", "step,lr", "0,0", "1,1e-3", "2,2e-3", "3,1e-3");
        assertThatThrownBy(() -> CurveCsv.read(csv))
                .hasMessage(csv + " row 3: lr 0.001 at step 2 disagrees with 0.002 in run.lr.csv");
    }

    @Test
    void listsTheCurvesOfADirectoryButNotTheLrFiles() throws IOException {
        write("b.csv", "step,lr,loss", "1,1e-3,3.0");
        write("a.csv", "step,lr,loss", "1,1e-3,3.0");
        Path lr = write("a.lr.csv", "step,lr", "0,0", "1,1e-3");

        assertThat(CurveCsv.curveFiles(dir)).extracting(p -> p.getFileName().toString()).containsExactly("a.csv", "b.csv");
        assertThatThrownBy(() -> CurveCsv.read(lr)).hasMessageContaining("a curve file is named X.csv");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> CurveCsv.curveFiles(empty)).hasMessageContaining("no curve files");
    }

    @Test
    void aScheduleFileOfEveryStepIsExactAndOneWithGapsIsInterpolated() throws IOException {
        assertThat(CurveCsv.readSchedule(write("s.lr.csv", "step,lr", "0,0.0", "1,0.5", "2,1.0")))
                .containsExactly(0.0, 0.5, 1.0);
        assertThat(CurveCsv.readSchedule(write("t.csv", "step,lr", "2,1.0", "4,0.5")))
                .containsExactly(0.0, 0.5, 1.0, 0.75, 0.5);
        assertThat(CurveCsv.hasColumn(write("u.csv", "step,lr,loss", "0,1,2"), "loss")).isTrue();
        assertThat(CurveCsv.hasColumn(write("v.csv", "step,lr", "0,1"), "loss")).isFalse();
    }
}
