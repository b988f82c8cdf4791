package io.optimesh.law.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.law.fit.Prediction;
import java.util.List;
import org.junit.jupiter.api.Test;

class CalibrationTest {

    private static final double Z95 = 1.959963984540054;

    /** 100 points predicted at loss 1 with log-sigma 0.01; the actual log errors are 0.001 x (1..100). */
    private static Prediction prediction(double[] actual) {
        int n = 100;
        int[] steps = new int[n];
        double[] losses = new double[n];
        double[] lower = new double[n];
        double[] upper = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = i + 1;
            losses[i] = 1;
            lower[i] = Math.exp(-Z95 * 0.01);
            upper[i] = Math.exp(Z95 * 0.01);
            actual[i] = Math.exp((i % 2 == 0 ? 1 : -1) * 0.001 * (i + 1));
        }
        return new Prediction(steps, losses, lower, upper, 0.95);
    }

    @Test
    void scaleMakesTheConformalShareOfHeldOutPointsFallInside() {
        double[] actual = new double[100];
        Prediction p = prediction(actual);
        assertThat(p.coverage(actual)).isCloseTo(0.19, within(1e-12));
        double scale = Calibration.scale(List.of(p), List.of(actual), 0.95);
        // Scores are 0.1 x (1..100); the conformal rank is ceil(101 x 0.95) = 96: score 9.6.
        assertThat(scale).isCloseTo(9.6 / Z95, within(1e-9));
        double[] half = new double[100];
        int inside = 0;
        for (int i = 0; i < 100; i++) {
            half[i] = Z95 * scale * p.logSigma(i);
            inside += Math.abs(Math.log(actual[i])) <= half[i] + 1e-12 ? 1 : 0;
        }
        assertThat(inside).isEqualTo(96);
    }

    @Test
    void narrowsIntervalsThatAreTooWide() {
        double[] actual = new double[100];
        Prediction p = prediction(actual);
        for (int i = 0; i < 100; i++) {
            actual[i] = Math.exp(0.0001 * (i + 1));
        }
        assertThat(Calibration.scale(List.of(p), List.of(actual), 0.95)).isCloseTo(0.96 / Z95, within(1e-9));
    }
}
