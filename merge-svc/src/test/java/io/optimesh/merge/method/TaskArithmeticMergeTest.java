package io.optimesh.merge.method;

import static io.optimesh.merge.method.SmallCheckpoints.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.core.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskArithmeticMergeTest {

    @TempDir
    Path dir;

    @Test
    void addsWeightedTaskVectorsToTheBase() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path base = c.write("w", v(1, 1));
        Path t1 = c.write("w", v(2, 3));
        Path t2 = c.write("w", v(0, 5));
        // delta1 = (1, 2), delta2 = (-1, 4): (1, 1) + 0.5 (1, 2) + 0.25 (-1, 4) = (1.25, 3).
        assertThat(c.merge(TaskArithmeticMerge.of(0.5, 0.25), base, t1, t2).get("w")).containsExactly(1.25, 3);
        // A negative lambda subtracts a task: (1, 1) - (1, 2) = (0, -1).
        assertThat(c.merge(TaskArithmeticMerge.of(-1), base, t1).get("w")).containsExactly(0, -1);
    }

    @Test
    void dareLinearDropsAndRescalesEachTaskVector() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path base = c.write("w", v(0, 0, 0, 0, 0, 0, 0, 0));
        Path task = c.write("w", v(1, 2, 3, 4, 5, 6, 7, 8));
        // One task of lambda 0.5: 0.5 * (kept ? delta / (1 - 0.5) : 0), the pinned mask of seed 42.
        double[] expected = new double[8];
        for (int j = 0; j < 8; j++) {
            expected[j] = 0.5 * DareMaskTest.SEED_42_HALF_W0_KEPT[j];
        }
        assertThat(c.merge(TaskArithmeticMerge.dare(0.5, 42, 0.5), base, task).get("w")).containsExactly(expected);
        // Without drops it is task arithmetic.
        assertThat(c.merge(TaskArithmeticMerge.dare(0, 42, 0.5), base, task).get("w")).containsExactly(0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4);
    }

    @Test
    void recordsTheBaseApartFromTheTasks() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path base = c.write("w", v(1));
        Path t1 = c.write("w", v(2));
        Path out = dir.resolve("out.safetensors");
        new CheckpointMerger().merge(List.of(base, t1), out, TaskArithmeticMerge.dare(0.25, 9, 2));
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertThat(f.metadata()).containsEntry("optimesh.merge.method", "dare_linear")
                    .containsEntry("optimesh.merge.base", base.toUri().toString())
                    .containsEntry("optimesh.merge.inputs", "[\"" + t1.toUri() + "\"]")
                    .containsEntry("optimesh.merge.weights", "[2.0]")
                    .containsEntry("optimesh.merge.drop_probability", "0.25")
                    .containsEntry("optimesh.merge.seed", "9");
        }
    }

    @Test
    void refusesNonFiniteLambdas() {
        assertThatThrownBy(() -> TaskArithmeticMerge.of(1, Double.NaN)).hasMessageContaining("must be finite");
        assertThatThrownBy(TaskArithmeticMerge::of).hasMessageContaining("at least one checkpoint besides the base");
    }
}
