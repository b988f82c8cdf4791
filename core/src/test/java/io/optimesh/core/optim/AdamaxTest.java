package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static io.optimesh.core.optim.Problems.widen;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.Map;

class AdamaxTest {

    // The second coordinate's |g| falls, so u decays as beta2 u rather than tracking |g|.
    private static final double[][] GRADIENTS = {{0.5, -1.0}, {0.25, 0.75}, {-0.8, 0.2}, {0.1, 0}};

    @Test
    void stepsDivideByTheDecayedMaximumOfTheGradient() {
        double lr = 0.002;
        double wd = 0.01;
        double beta1 = 0.8;
        double beta2 = 0.9;
        double eps = 1e-6;
        UpdateRule rule =
                new Adamax().configure(Map.of("beta1", beta1, "beta2", beta2, "eps", eps));
        float[] p = {1.0f, -0.5f};
        float[][] state = {new float[2], new float[2]};
        double[] expected = widen(p);
        double[] m = new double[2];
        double[] u = new double[2];
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            rule.apply(p, g, state, t, lr, wd);
            double clr = lr / (1 - Math.pow(beta1, t));
            for (int i = 0; i < 2; i++) {
                double gi = g[i] + wd * expected[i];
                m[i] = beta1 * m[i] + (1 - beta1) * gi;
                u[i] = Math.max(beta2 * u[i], Math.abs(gi) + eps);
                expected[i] -= clr * m[i] / u[i];
            }
            assertClose("p at step " + t, p, expected);
            assertClose("m at step " + t, state[0], m);
            assertClose("u at step " + t, state[1], u);
        }
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new Adamax(), Map.of(), 0.02, 3000)).isLessThan(1e-3);
    }
}
