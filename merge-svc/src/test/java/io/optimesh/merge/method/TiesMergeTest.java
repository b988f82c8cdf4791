package io.optimesh.merge.method;

import static io.optimesh.merge.method.SmallCheckpoints.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TiesMergeTest {

    @TempDir
    Path dir;

    private Path base;
    private Path[] tasks;

    /**
     * base = (1, 0.5, -1, 2) and task vectors delta1 = (3, -1, 0.5, -2), delta2 = (-1, -4, 2, 1),
     * delta3 = (2, 1, -3, 0.25); every value is a dyadic fraction, so the arithmetic is exact.
     */
    private SmallCheckpoints threeTasks() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        base = c.write("w", v(1, 0.5, -1, 2));
        tasks = new Path[] {c.write("w", v(4, -0.5, -0.5, 0)), c.write("w", v(0, -3.5, 1, 3)),
                c.write("w", v(3, 1.5, -4, 2.25))};
        return c;
    }

    @Test
    void trimsElectsAndTakesTheDisjointMean() throws IOException {
        SmallCheckpoints c = threeTasks();
        // density 0.5 of 4 elements: k = 2 per task. trimmed1 = (3, 0, 0, -2), trimmed2 = (0, -4, 2, 0),
        // trimmed3 = (2, 0, -3, 0). Sums (5, -4, -1, -2) elect signs (+, -, -, -). Agreeing entries:
        // e0 {3, 2} -> 2.5, e1 {-4} -> -4, e2 {-3} -> -3, e3 {-2} -> -2. base + that = (3.5, -3.5, -4, 0).
        double[] out = c.merge(TiesMerge.of(0.5, 1, 1, 1), base, tasks[0], tasks[1], tasks[2]).get("w");
        assertThat(out).containsExactly(3.5, -3.5, -4, 0);
    }

    @Test
    void weightsSwayTheElectionAndTheMean() throws IOException {
        SmallCheckpoints c = threeTasks();
        // weights (1, 3, 1): weighted sums (5, -12, 3, -2) elect (+, -, +, -). e0: (1*3 + 1*2) / 2 = 2.5;
        // e1: 3*(-4) / 3 = -4; e2: only task 2 agrees, 3*2 / 3 = 2; e3: -2. base + that = (3.5, -3.5, 1, 0).
        double[] out = c.merge(TiesMerge.of(0.5, 1, 3, 1), base, tasks[0], tasks[1], tasks[2]).get("w");
        assertThat(out).containsExactly(3.5, -3.5, 1, 0);
    }

    @Test
    void densityOneKeepsEveryDeltaAndDareWithoutDropsIsTheSame() throws IOException {
        SmallCheckpoints c = threeTasks();
        // Sums of the full deltas (4, -4, -0.5, -0.75) elect (+, -, -, -). e0 {3, 2} -> 2.5, e1 {-1, -4} -> -2.5,
        // e2 {-3} -> -3, e3 {-2} -> -2. base + that = (3.5, -2, -4, 0).
        double[] ties = c.merge(TiesMerge.of(1, 1, 1, 1), base, tasks[0], tasks[1], tasks[2]).get("w");
        assertThat(ties).containsExactly(3.5, -2, -4, 0);
        double[] dare = c.merge(TiesMerge.dare(0, 42, 1, 1, 1), base, tasks[0], tasks[1], tasks[2]).get("w");
        assertThat(dare).containsExactly(ties);
    }

    @Test
    void keepsExactlyKEntriesWhenMagnitudesTie() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path zero = c.write("w", v(0, 0, 0, 0, 0));
        Path task = c.write("w", v(1, -1, 1, 0.5, -1));
        // k = floor(0.5 * 5) = 2 of four entries of magnitude 1: the first two, in element order, survive.
        assertThat(c.merge(TiesMerge.of(0.5, 1), zero, task).get("w")).containsExactly(1, -1, 0, 0, 0);
        // k = max(1, floor(0.1 * 5)) = 1.
        assertThat(c.merge(TiesMerge.of(0.1, 1), zero, task).get("w")).containsExactly(1, 0, 0, 0, 0);
    }

    @Test
    void dareTiesDropsAndRescalesBeforeTheElection() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path zero = c.write("w", v(0, 0, 0, 0, 0, 0, 0, 0));
        Path task = c.write("w", v(1, 2, 3, 4, 5, 6, 7, 8));
        DareMask mask = new DareMask(0.5, 42);
        long stream = mask.stream("w", 0);
        double[] expected = new double[8];
        for (int j = 0; j < 8; j++) {
            // One task: the election follows its sign, the disjoint mean is the dropped-and-rescaled delta itself.
            expected[j] = mask.keeps(stream, j) ? 2 * (j + 1) : 0;
        }
        assertThat(expected).containsExactly(DareMaskTest.SEED_42_HALF_W0_KEPT);
        assertThat(c.merge(TiesMerge.dare(0.5, 42, 1), zero, task).get("w")).containsExactly(expected);
    }

    @Test
    void refusesBadParameters() {
        assertThatThrownBy(() -> TiesMerge.of(0, 1)).hasMessage("density must lie in (0, 1], got 0.0");
        assertThatThrownBy(() -> TiesMerge.of(0.5, 1, -1)).hasMessageContaining("must be finite and non-negative");
        assertThatThrownBy(() -> TiesMerge.of(0.5, 0, 0)).hasMessageContaining("must not all be 0");
        assertThatThrownBy(() -> TiesMerge.dare(1, 0, 1)).hasMessage("drop probability must lie in [0, 1), got 1.0");
    }
}
