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

class SlerpMergeTest {

    private static final double EXACT = 1e-15;

    @TempDir
    Path dir;

    @Test
    void interpolatesEachTensorAlongItsOwnGreatCircle() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path a = c.write("unit", v(1, 0), "scaled", v(2, 0), "zero", v(0, 0));
        Path b = c.write("unit", v(0, 1), "scaled", v(0, 3), "zero", v(1, 1));

        Map<String, double[]> half = c.merge(SlerpMerge.of(0.5), a, b);
        // unit: cos 0, theta pi/2; s0 = s1 = sin(pi/4) / sin(pi/2) = sqrt(2)/2.
        assertThat(half.get("unit")).containsExactly(v(Math.sqrt(0.5), Math.sqrt(0.5)), within(EXACT));
        // zero: |a| = 0 <= 1e-8 is left unnormalised, so cos = 0 / (1 * sqrt 2) = 0: the same weights, times b.
        assertThat(half.get("zero")).containsExactly(v(Math.sqrt(0.5), Math.sqrt(0.5)), within(EXACT));

        Map<String, double[]> third = c.merge(SlerpMerge.of(1.0 / 3), a, b);
        // scaled: cos 0, theta pi/2; s0 = sin(pi/2 - pi/6) = sqrt(3)/2, s1 = sin(pi/6) = 1/2:
        // out = (sqrt(3)/2 * 2, 1/2 * 3) = (sqrt 3, 1.5).
        assertThat(third.get("scaled")).containsExactly(v(Math.sqrt(3), 1.5), within(EXACT));
    }

    @Test
    void fallsBackToLinearInterpolationForNearlyParallelTensors() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path a = c.write("same", v(1, 2), "opposite", v(1, 2), "close", v(1, 0));
        // close: cos = 1 / sqrt(1 + 0.03^2) = 0.99955 > 0.9995, still linear; at 0.04 it is 0.9992, spherical.
        Path b = c.write("same", v(2, 4), "opposite", v(-1, -2), "close", v(1, 0.03));

        Map<String, double[]> m = c.merge(SlerpMerge.of(0.25), a, b);
        // (1 - 0.25) a + 0.25 b
        assertThat(m.get("same")).containsExactly(v(1.25, 2.5), within(EXACT));
        assertThat(m.get("opposite")).containsExactly(v(0.5, 1), within(EXACT));
        assertThat(m.get("close")).containsExactly(v(1, 0.0075), within(EXACT));
    }

    @Test
    void endpointsReturnTheInputs() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path a = c.write("w", v(1, -2, 3));
        Path b = c.write("w", v(-4, 0.5, 2));
        assertThat(c.merge(SlerpMerge.of(0), a, b).get("w")).containsExactly(v(1, -2, 3), within(EXACT));
        assertThat(c.merge(SlerpMerge.of(1), a, b).get("w")).containsExactly(v(-4, 0.5, 2), within(1e-14));
    }

    @Test
    void refusesTOutsideTheUnitInterval() {
        assertThatThrownBy(() -> SlerpMerge.of(1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("t must lie in [0, 1], got 1.5");
        assertThatThrownBy(() -> SlerpMerge.of(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
