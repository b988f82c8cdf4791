package io.optimesh.law.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PowerLawTest {

    @Test
    void lrAreaFormIsAPowerOfTheAreaUnderTheLrCurve() {
        double[] lrs = {0, 1e-3, 2e-3, 2e-3, 1e-3};
        double[] values = new double[2];
        PowerLaw.ofLrArea().prepare(lrs, new int[] {2, 4}).evaluate(new double[] {2, 0.5, 0.4}, values, null);

        assertThat(values[0]).isCloseTo(2 + 0.5 * Math.pow(3e-3, -0.4), within(1e-12));
        assertThat(values[1]).isCloseTo(2 + 0.5 * Math.pow(6e-3, -0.4), within(1e-12));
    }

    @Test
    void stepFormIgnoresTheSchedule() {
        double[] values = new double[2];
        PowerLaw.ofSteps().prepare(new double[11], new int[] {1, 10}).evaluate(new double[] {2, 3, 0.5}, values, null);

        assertThat(values).containsExactly(new double[] {5, 2 + 3 / Math.sqrt(10)}, within(1e-15));
    }

    @Test
    void jacobianMatchesFiniteDifferences() {
        double[] lrs = Schedules.cosine(3000, 300, 1e-3, 1e-4);
        int[] steps = Schedules.steps(10, 3000, 70);
        JacobianCheck.assertMatchesFiniteDifferences(PowerLaw.ofLrArea().prepare(lrs, steps),
                new double[] {2.5, 0.6, 0.45}, 1e-7);
        JacobianCheck.assertMatchesFiniteDifferences(PowerLaw.ofSteps().prepare(lrs, steps),
                new double[] {2.5, 6, 0.45}, 1e-7);
    }

    @Test
    void isUndefinedAtStepZero() {
        assertThatThrownBy(() -> PowerLaw.ofSteps().prepare(new double[5], new int[] {0, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the step-based power law is undefined at step 0");
        assertThatThrownBy(() -> PowerLaw.ofLrArea().prepare(new double[5], new int[] {2, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the LR area up to step 2 is 0: the power law is undefined there");
    }
}
