package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static io.optimesh.core.optim.Problems.widen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.Map;

class RmsPropTest {

    private static final double[][] GRADIENTS = {
        {0.5, -1.0}, {0.25, 0.75}, {-0.3, 0.2}, {0.1, -0.4}
    };

    /** Runs the rule and the formula in double side by side, step by step. */
    private static void matchesTheFormula(double alpha, double momentum, boolean centered) {
        double lr = 0.01;
        double wd = 0.01;
        double eps = 1e-6;
        UpdateRule rule =
                new RmsProp()
                        .configure(
                                Map.of(
                                        "alpha",
                                        alpha,
                                        "eps",
                                        eps,
                                        "momentum",
                                        momentum,
                                        "centered",
                                        centered ? 1.0 : 0.0));
        float[] p = {1.0f, -0.5f};
        float[][] state = {new float[2], new float[2], new float[2]};
        double[] expected = widen(p);
        double[] s = new double[2];
        double[] b = new double[2];
        double[] a = new double[2];
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            rule.apply(p, g, state, t, lr, wd);
            for (int i = 0; i < 2; i++) {
                double gi = g[i] + wd * expected[i];
                s[i] = alpha * s[i] + (1 - alpha) * gi * gi;
                a[i] = alpha * a[i] + (1 - alpha) * gi;
                double d = Math.sqrt(centered ? s[i] - a[i] * a[i] : s[i]) + eps;
                if (momentum > 0) {
                    b[i] = momentum * b[i] + gi / d;
                    expected[i] -= lr * b[i];
                } else {
                    expected[i] -= lr * gi / d;
                }
            }
            String at = " at step " + t;
            assertClose("p" + at, p, expected);
            assertClose("mean square" + at, state[0], s);
            assertClose("buffer" + at, state[1], momentum > 0 ? b : new double[2]);
            assertClose("mean gradient" + at, state[2], centered ? a : new double[2]);
        }
    }

    @Test
    void plainStepsDivideByTheRootMeanSquare() {
        matchesTheFormula(0.9, 0, false);
    }

    @Test
    void momentumAccumulatesTheNormalisedSteps() {
        matchesTheFormula(0.9, 0.5, false);
    }

    @Test
    void centredStepsDivideByTheStandardDeviation() {
        matchesTheFormula(0.9, 0, true);
    }

    @Test
    void centredWithMomentumAndAFastAverage() {
        // alpha 0.3 puts lerp's weight 0.7 past 0.5, where PyTorch switches its form
        matchesTheFormula(0.3, 0.9, true);
    }

    @Test
    void centeredIsAFlag() {
        assertThatThrownBy(() -> new RmsProp().configure(Map.of("centered", 0.5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rmsprop centered must be 0 or 1, got 0.5");
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new RmsProp(), Map.of(), 0.01, 3000)).isLessThan(1e-3);
        assertThat(
                        distanceAfter(
                                new RmsProp(),
                                Map.of("momentum", 0.9, "centered", 1.0),
                                0.003,
                                3000))
                .isLessThan(1e-3);
    }
}
