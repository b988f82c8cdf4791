package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static io.optimesh.core.optim.Problems.widen;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.Map;

class RAdamTest {

    private static final double[][] GRADIENTS = {
        {0.5, -1.0}, {0.25, 0.75}, {-0.3, 0.2}, {0.1, -0.4}, {0.6, 0.3}, {-0.2, 0.5}, {0.4, -0.1},
        {0.3, 0.3}
    };

    @Test
    void momentumStepsUntilRhoPassesFiveThenRectifiedAdaptiveSteps() {
        double lr = 0.01;
        double wd = 0.01;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-6;
        UpdateRule rule = new RAdam().configure(Map.of("eps", eps));
        float[] p = {1.0f, -0.5f};
        float[][] state = {new float[2], new float[2]};
        double[] expected = widen(p);
        double[] m = new double[2];
        double[] v = new double[2];
        double rhoInf = 2 / (1 - beta2) - 1;
        int rectifiedSteps = 0;
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            rule.apply(p, g, state, t, lr, wd);
            double bias1 = 1 - Math.pow(beta1, t);
            double bias2 = 1 - Math.pow(beta2, t);
            double rho = rhoInf - 2 * t * Math.pow(beta2, t) / bias2;
            for (int i = 0; i < 2; i++) {
                double gi = g[i] + wd * expected[i];
                m[i] = beta1 * m[i] + (1 - beta1) * gi;
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                double step = m[i] / bias1 * lr;
                if (rho > 5) {
                    double rect =
                            Math.sqrt(
                                    (rho - 4) * (rho - 2) * rhoInf
                                            / ((rhoInf - 4) * (rhoInf - 2) * rho));
                    step *= Math.sqrt(bias2) / (Math.sqrt(v[i]) + eps) * rect;
                }
                expected[i] -= step;
            }
            if (rho > 5) {
                rectifiedSteps++;
            }
            assertClose("p at step " + t, p, expected);
            assertClose("m at step " + t, state[0], m);
            assertClose("v at step " + t, state[1], v);
        }
        // With beta2 = 0.999, rho_t is about t - 1: steps 1 to 5 are momentum, 6 to 8 adaptive.
        assertThat(rectifiedSteps).isEqualTo(3);
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new RAdam(), Map.of(), 0.02, 3000)).isLessThan(1e-3);
    }
}
