package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static io.optimesh.core.optim.Problems.widen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Map;

class NAdamTest {

    private static final double[][] GRADIENTS = {
        {0.5, -1.0}, {0.25, 0.75}, {-0.3, 0.2}, {0.1, -0.4}, {0.6, 0.3}
    };

    private static double mu(double beta1, double momentumDecay, int t) {
        return beta1 * (1 - 0.5 * Math.pow(0.96, t * momentumDecay));
    }

    @Test
    void stepsFollowTheWarmingMomentumSchedule() {
        double lr = 0.01;
        double wd = 0.01;
        double beta1 = 0.9;
        double beta2 = 0.99;
        double eps = 1e-6;
        // a large psi so the schedule visibly moves within five steps
        double psi = 0.05;
        UpdateRule rule =
                new NAdam()
                        .configure(
                                Map.of(
                                        "beta1", beta1,
                                        "beta2", beta2,
                                        "eps", eps,
                                        "momentum_decay", psi));
        float[] p = {1.0f, -0.5f};
        float[][] state = {new float[2], new float[2]};
        double[] expected = widen(p);
        double[] m = new double[2];
        double[] v = new double[2];
        double product = 1;
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            rule.apply(p, g, state, t, lr, wd);
            double mu = mu(beta1, psi, t);
            double muNext = mu(beta1, psi, t + 1);
            product *= mu;
            double bias2 = 1 - Math.pow(beta2, t);
            for (int i = 0; i < 2; i++) {
                double gi = g[i] + wd * expected[i];
                m[i] = beta1 * m[i] + (1 - beta1) * gi;
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                double d = Math.sqrt(v[i] / bias2) + eps;
                expected[i] -= lr * (1 - mu) / (1 - product) * gi / d;
                expected[i] -= lr * muNext / (1 - product * muNext) * m[i] / d;
            }
            assertClose("p at step " + t, p, expected);
            assertClose("m at step " + t, state[0], m);
            assertClose("v at step " + t, state[1], v);
        }
    }

    @Test
    void theDefaultScheduleStartsAtHalfOfBeta1() {
        // psi = 4e-3: mu_1 = 0.9 (1 - 0.5 * 0.96^0.004), barely above 0.45
        assertThat(mu(0.9, 4e-3, 1)).isCloseTo(0.450073, within(1e-6));
        UpdateRule rule = new NAdam().configure(Map.of());
        float[] p = {1.0f};
        rule.apply(p, new float[] {0.5f}, new float[][] {new float[1], new float[1]}, 1, 0.1, 0);
        // Step 1: m = 0.1 g, v/(1 - beta2) = g^2, so the step is lr (1 - mu1)/(1 - mu1) g/|g|
        // + lr mu2 / (1 - mu1 mu2) 0.1 g/|g|.
        double mu1 = mu(0.9, 4e-3, 1);
        double mu2 = mu(0.9, 4e-3, 2);
        double step = 0.1 * (1 + mu2 / (1 - mu1 * mu2) * 0.1) * 0.5 / (0.5 + 1e-8);
        assertThat((double) p[0]).isCloseTo(1 - step, within(2e-7));
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new NAdam(), Map.of(), 0.02, 3000)).isLessThan(1e-3);
    }
}
