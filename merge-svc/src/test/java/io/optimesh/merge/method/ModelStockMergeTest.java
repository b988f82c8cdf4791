package io.optimesh.merge.method;

import static io.optimesh.merge.method.SmallCheckpoints.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStockMergeTest {

    private static final double EXACT = 1e-15;

    @TempDir
    Path dir;

    @Test
    void interpolatesTowardsTheAverageByTheAngleBetweenDeltas() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path base = c.write("acute", v(1, -1), "opposite", v(0, 0), "same", v(1, 1));
        Path w1 = c.write("acute", v(2, -1), "opposite", v(1, 0), "same", v(2, 3));
        Path w2 = c.write("acute", v(2, 0), "opposite", v(-1, 0), "same", v(2, 3));

        Map<String, double[]> m = c.merge(ModelStockMerge.of(2), base, w1, w2);
        // acute: deltas (1, 0) and (1, 1), cos = 1/sqrt 2, t = 2 cos / (1 + cos) = 2 (sqrt 2 - 1) = 0.828...;
        // average (2, -0.5), so out = t (2, -0.5) + (1 - t) (1, -1) = (1 + t, -1 + t / 2).
        double t = 2 * (Math.sqrt(2) - 1);
        assertThat(m.get("acute")).containsExactly(v(1 + t, -1 + t / 2), within(EXACT));
        // opposite: cos = -1 counts as 0, t = 0: the base.
        assertThat(m.get("opposite")).containsExactly(0, 0);
        // same: cos = 1 (to rounding), t = 2 / (1 + 1) = 1: the average.
        assertThat(m.get("same")).containsExactly(v(2, 3), within(EXACT));
    }

    @Test
    void averagesThePairwiseCosinesOfThreeModels() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path base = c.write("w", v(0, 0, 0));
        // Deltas e1, e2, e1 + e2: cosines 0, 1/sqrt 2, 1/sqrt 2, mean sqrt(2)/3; t = 3 cos / (1 + 2 cos).
        Path[] models = {c.write("w", v(1, 0, 0)), c.write("w", v(0, 1, 0)), c.write("w", v(1, 1, 0))};
        double cos = Math.sqrt(2) / 3;
        double t = 3 * cos / (1 + 2 * cos);
        double[] out = c.merge(ModelStockMerge.of(3), base, models[0], models[1], models[2]).get("w");
        // Average (2/3, 2/3, 0), base 0.
        assertThat(out).containsExactly(v(t * 2 / 3, t * 2 / 3, 0), within(EXACT));
        assertThat(t).isCloseTo(0.7279, within(1e-4));
    }

    @Test
    void needsTwoFineTunedModels() {
        assertThatThrownBy(() -> ModelStockMerge.of(1)).hasMessageContaining("at least 2 fine-tuned checkpoints, got 1");
    }
}
