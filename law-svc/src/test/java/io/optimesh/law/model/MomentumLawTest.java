package io.optimesh.law.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MomentumLawTest {

    /** S2(t) = sum_{i<=t} m_i with m_i = sum_{k<=i} lambda^(i-k) (eta_{k-1} - eta_k), term by term. */
    private static double annealingArea(double[] lrs, int t, int firstK, double lambda) {
        double s2 = 0;
        for (int i = firstK; i <= t; i++) {
            for (int k = firstK; k <= i; k++) {
                s2 += Math.pow(lambda, i - k) * (lrs[k - 1] - lrs[k]);
            }
        }
        return s2;
    }

    @Test
    void annealingAreaFollowsTheMomentumRecursion() {
        double[] lrs = Schedules.wsd(400, 50, 200, 1e-3, 1e-4);
        int[] steps = {60, 199, 250, 400};
        double[] area = LossLaw.lrArea(lrs);
        for (AnnealingConvention convention : AnnealingConvention.values()) {
            MomentumLaw law = new MomentumLaw(0.99, convention);
            double[] values = new double[steps.length];
            // With L0 = 0, A = 0 the law is -C S2: read S2 back with C = -1.
            law.prepare(lrs, steps).evaluate(new double[] {0, 0, 0.5, -1}, values, null);
            for (int i = 0; i < steps.length; i++) {
                assertThat(values[i]).isCloseTo(annealingArea(lrs, steps[i], convention.firstStep(lrs), 0.99),
                        within(1e-13));
            }
            double[] withPower = new double[steps.length];
            law.prepare(lrs, steps).evaluate(new double[] {2, 0.5, 0.4, 0}, withPower, null);
            assertThat(withPower[3]).isCloseTo(2 + 0.5 * Math.pow(area[400], -0.4), within(1e-12));
        }
    }

    @Test
    void jacobianMatchesFiniteDifferences() {
        double[] lrs = Schedules.wsd(5000, 500, 3000, 3e-4, 3e-5);
        JacobianCheck.assertMatchesFiniteDifferences(
                new MomentumLaw(AnnealingConvention.FROM_FIRST_STEP).prepare(lrs, Schedules.steps(500, 5000, 250)),
                new double[] {2.4, 0.6, 0.45, 0.8}, 1e-7);
    }
}
