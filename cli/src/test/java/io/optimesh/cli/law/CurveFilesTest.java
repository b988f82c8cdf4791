package io.optimesh.cli.law;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.cli.MeshException;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.Schedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurveFilesTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void loggedLrsAreInterpolatedWithAWarmupRampFromZero() throws IOException {
        Path file = write("run.csv", "loss,step,lr,extra\n3.0,4,0.004,x\n2.8,8,0.002,y\n\n2.7,10,0.001,z\n");
        LabeledCurve curve = CurveFiles.read(file);

        assertThat(curve.getName()).isEqualTo("run");
        assertThat(curve.getPointsList()).extracting(CurvePoint::getStep).containsExactly(4L, 8L, 10L);
        assertThat(curve.getPointsList()).extracting(CurvePoint::getLoss).containsExactly(3.0, 2.8, 2.7);
        assertThat(curve.getPointsList()).extracting(CurvePoint::getLearningRate).containsExactly(0.004, 0.002, 0.001);
        Schedule schedule = curve.getSchedule();
        assertThat(schedule.getTotalSteps()).isEqualTo(11);
        // 0 at step 0 up to 0.004 at step 4, linear to 0.002 at 8, to 0.001 at 10.
        double[] expected = {0, 0.001, 0.002, 0.003, 0.004, 0.0035, 0.003, 0.0025, 0.002, 0.0015, 0.001};
        for (int s = 0; s < expected.length; s++) {
            assertThat(schedule.getExplicit().getLrs(s)).as("step %d", s).isCloseTo(expected[s], within(1e-15));
        }
    }

    @Test
    void anLrFileBesideTheCurveIsItsExactSchedule() throws IOException {
        write("a.csv", "step,lr,loss\n2,0.5,4.0\n3,0.25,3.5\n4,0.125,3.25\n");
        write("a.lr.csv", "step,lr\n0,0.1\n1,1.0\n2,0.5\n3,0.25\n4,0.125\n5,0.0625\n");
        write("b.csv", "step,lr,loss\n0,1,5\n1,1,4\n2,1,3\n");

        List<LabeledCurve> curves = CurveFiles.readDirectory(dir);

        assertThat(curves).extracting(LabeledCurve::getName).containsExactly("a", "b");
        assertThat(curves.get(0).getSchedule().getTotalSteps()).isEqualTo(6);
        assertThat(curves.get(0).getSchedule().getExplicit().getLrsList())
                .containsExactly(0.1, 1.0, 0.5, 0.25, 0.125, 0.0625);
        assertThat(curves.get(1).getSchedule().getExplicit().getLrsList()).containsExactly(1.0, 1.0, 1.0);
    }

    @Test
    void badRowsAreNamedByFileAndRow() throws IOException {
        Path file = write("bad.csv", "step,lr,loss\n10,0.1,3.0\n5,0.1,2.9\n20,abc,2.8\n30,0.1,-1\n40,0.1\n50,NaN,2.5\n");

        assertThatThrownBy(() -> CurveFiles.read(file)).isInstanceOf(MeshException.class)
                .hasMessageContaining(file + " row 3: step 5 does not come after the previous step 10")
                .hasMessageContaining(file + " row 4: lr 'abc' is not a number")
                .hasMessageContaining(file + " row 5: loss -1.0 is not a positive finite number")
                .hasMessageContaining(file + " row 6: has 2 columns, the header has 3")
                .hasMessageContaining(file + " row 7: lr NaN is not a non-negative finite number");
    }

    @Test
    void aMissingColumnAnLrFileWithGapsAndADisagreeingLrAreRefused() throws IOException {
        Path noLoss = write("x.csv", "step,lr\n1,0.1\n");
        assertThatThrownBy(() -> CurveFiles.read(noLoss))
                .hasMessageContaining(noLoss + " row 1: the header step,lr has no column 'loss'");

        Path curve = write("g.csv", "step,lr,loss\n1,0.2,3\n2,0.3,2\n");
        Path lr = write("g.lr.csv", "step,lr\n0,0.1\n2,0.3\n");
        assertThatThrownBy(() -> CurveFiles.read(curve))
                .hasMessageContaining(lr + " row 3: step 2 where step 1 was expected");

        write("g.lr.csv", "step,lr\n0,0.1\n1,0.2\n2,0.35\n");
        assertThatThrownBy(() -> CurveFiles.read(curve))
                .hasMessageContaining(curve + " row 3: lr 0.3 at step 2 disagrees with 0.35 in g.lr.csv");

        write("g.lr.csv", "step,lr\n0,0.1\n1,0.2\n");
        assertThatThrownBy(() -> CurveFiles.read(curve))
                .hasMessageContaining(curve + " row 3: step 2 lies beyond");

        assertThatThrownBy(() -> CurveFiles.read(lr)).hasMessageContaining("a curve file is named X.csv");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> CurveFiles.readDirectory(empty)).hasMessageContaining("no curve files");
    }

    @Test
    void aScheduleFileOfEveryStepIsExactAndOneWithGapsIsInterpolated() throws IOException {
        Schedule exact = CurveFiles.readSchedule(write("s.lr.csv", "step,lr\n0,0.0\n1,0.5\n2,1.0\n"));
        assertThat(exact.getExplicit().getLrsList()).containsExactly(0.0, 0.5, 1.0);
        Schedule gaps = CurveFiles.readSchedule(write("t.csv", "step,lr\n2,1.0\n4,0.5\n"));
        assertThat(gaps.getExplicit().getLrsList()).containsExactly(0.0, 0.5, 1.0, 0.75, 0.5);
    }
}
