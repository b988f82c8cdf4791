package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static io.optimesh.core.optim.Problems.widen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Map;

class AdagradTest {

    private static final double[][] GRADIENTS = {{0.5, -1.0}, {0.25, 0.75}, {-0.3, 0.2}, {0.1, 0}};

    @Test
    void stepsShrinkWithTheSummedSquaresAndTheDecayedRate() {
        double lr = 0.1;
        double wd = 0.01;
        double lrDecay = 0.1;
        double initial = 0.2;
        double eps = 1e-6;
        UpdateRule rule =
                new Adagrad()
                        .configure(
                                Map.of(
                                        "lr_decay",
                                        lrDecay,
                                        "initial_accumulator_value",
                                        initial,
                                        "eps",
                                        eps));
        float[] p = {1.0f, -0.5f};
        float[][] state = {new float[2]};
        double[] expected = widen(p);
        double[] sum = {initial, initial};
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            rule.apply(p, g, state, t, lr, wd);
            double clr = lr / (1 + (t - 1) * lrDecay);
            for (int i = 0; i < 2; i++) {
                double gi = g[i] + wd * expected[i];
                sum[i] += gi * gi;
                expected[i] -= clr * gi / (Math.sqrt(sum[i]) + eps);
            }
            assertClose("p at step " + t, p, expected);
            assertClose("sum at step " + t, state[0], sum);
        }
    }

    @Test
    void theFirstStepIsTheLearningRateTimesTheSign() {
        UpdateRule rule = new Adagrad().configure(Map.of());
        float[] p = {1.0f, 1.0f};
        rule.apply(p, new float[] {0.5f, -2f}, new float[][] {new float[2]}, 1, 0.1, 0);
        assertThat(p[0]).isCloseTo(0.9f, within(1e-7f));
        assertThat(p[1]).isCloseTo(1.1f, within(1e-7f));
    }

    @Test
    void refusesAStepZero() {
        UpdateRule rule = new Adagrad().configure(Map.of());
        assertThatThrownBy(
                        () -> rule.apply(new float[1], new float[1], new float[1][1], 0, 0.1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AdaGrad steps count from 1, got 0");
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new Adagrad(), Map.of(), 0.5, 2000)).isLessThan(1e-4);
    }
}
