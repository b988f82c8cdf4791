package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static io.optimesh.core.optim.Problems.widen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Map;

class NesterovTest {

    private static final double[][] GRADIENTS = {{0.5, -1.0}, {0.25, 0.75}, {-0.3, 0.2}, {0.1, 0}};

    @Test
    void stepsLookAheadAlongTheVelocity() {
        double lr = 0.1;
        double wd = 0.01;
        double mu = 0.8;
        UpdateRule rule = new Nesterov().configure(Map.of("momentum", mu));
        float[] p = {1.0f, -0.5f};
        float[][] state = {new float[2]};
        double[] expected = widen(p);
        double[] b = new double[2];
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            rule.apply(p, g, state, t, lr, wd);
            for (int i = 0; i < 2; i++) {
                double gi = g[i] + wd * expected[i];
                b[i] = mu * b[i] + gi;
                expected[i] -= lr * (gi + mu * b[i]);
            }
            assertClose("p at step " + t, p, expected);
            assertClose("buffer at step " + t, state[0], b);
        }
    }

    @Test
    void theFirstStepLooksAheadByMuTimesTheGradient() {
        UpdateRule rule = new Nesterov().configure(Map.of());
        float[] p = {1.0f};
        // b = g = 1, p -= 0.1 (1 + 0.9 * 1): unlike heavy ball, the first step is already 1.9 g
        rule.apply(p, new float[] {1.0f}, new float[][] {new float[1]}, 1, 0.1, 0);
        assertThat(p[0]).isCloseTo(0.81f, within(1e-7f));
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new Nesterov(), Map.of(), 0.1, 500)).isLessThan(1e-4);
    }
}
