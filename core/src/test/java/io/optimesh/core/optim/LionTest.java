package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static io.optimesh.core.optim.Problems.widen;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.Map;

class LionTest {

    // The second coordinate's gradient flips sign while its momentum still points the old way.
    private static final double[][] GRADIENTS = {{0.5, -1.0}, {0.25, 0.05}, {-0.3, 0.2}, {0.1, 0}};

    @Test
    void stepsByTheSignOfTheInterpolationAndDecaysOutsideIt() {
        double lr = 0.01;
        double wd = 0.5;
        double beta1 = 0.9;
        double beta2 = 0.99;
        UpdateRule rule = new Lion().configure(Map.of());
        float[] p = {1.0f, -0.5f};
        float[][] state = {new float[2]};
        double[] expected = widen(p);
        double[] m = new double[2];
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            rule.apply(p, g, state, t, lr, wd);
            for (int i = 0; i < 2; i++) {
                expected[i] *= 1 - lr * wd;
                expected[i] -= lr * Math.signum(beta1 * m[i] + (1 - beta1) * g[i]);
                m[i] = beta2 * m[i] + (1 - beta2) * g[i];
            }
            assertClose("p at step " + t, p, expected);
            assertClose("m at step " + t, state[0], m);
        }
    }

    @Test
    void aZeroInterpolationDoesNotMove() {
        UpdateRule rule = new Lion().configure(Map.of());
        float[] p = {1.0f};
        rule.apply(p, new float[] {0f}, new float[][] {new float[1]}, 1, 0.1, 0);
        assertThat(p[0]).isEqualTo(1.0f);
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new Lion(), Map.of(), 0.01, 3000)).isLessThan(1e-2);
    }
}
