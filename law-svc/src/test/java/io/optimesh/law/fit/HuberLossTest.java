package io.optimesh.law.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HuberLossTest {

    private final HuberLoss huber = HuberLoss.PAPER;

    @Test
    void isQuadraticInsideDeltaAndLinearBeyond() {
        assertThat(huber.rho(5e-4)).isCloseTo(0.5 * 25e-8, within(1e-20));
        assertThat(huber.rho(-3e-3)).isCloseTo(1e-3 * (3e-3 - 0.5e-3), within(1e-20));
    }

    @Test
    void rootResidualSquaresToTwiceTheLossAndKeepsTheSign() {
        for (double r : new double[] {-0.2, -2e-3, -1e-3, -1e-4, 0, 3e-4, 1e-3, 5e-3, 0.7}) {
            double f = huber.rootResidual(r);
            assertThat(f * f).isCloseTo(2 * huber.rho(r), within(1e-18));
            assertThat(Math.signum(f)).isEqualTo(Math.signum(r));
        }
    }

    @Test
    void rootResidualSlopeIsItsDerivative() {
        for (double r : new double[] {-0.2, -2e-3, -5e-4, 3e-4, 5e-3, 0.7}) {
            double h = 1e-9;
            double numeric = (huber.rootResidual(r + h) - huber.rootResidual(r - h)) / (2 * h);
            assertThat(huber.rootResidualSlope(r)).isCloseTo(numeric, within(1e-5));
        }
    }

    @Test
    void refusesAnUnusableDelta() {
        assertThatThrownBy(() -> new HuberLoss(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
