package io.optimesh.core.bayesopt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class AcquisitionTest {

    @Test
    void valuesAtKnownPoints() {
        // At the incumbent with unit uncertainty: EI = phi(0), PI = 1/2, UCB = kappa.
        assertThat(Acquisition.EXPECTED_IMPROVEMENT.value(0, 1, 0, 0, 2)).isCloseTo(0.3989422804014327, offset(1e-15));
        assertThat(Acquisition.PROBABILITY_OF_IMPROVEMENT.value(0, 1, 0, 0, 2)).isCloseTo(0.5, offset(1e-15));
        assertThat(Acquisition.UPPER_CONFIDENCE_BOUND.value(0, 1, 0, 0, 2)).isEqualTo(2);
        // One sd better than the incumbent, sd 0.5, xi 0.01: z = (1 - 0.01) / 0.5 = 1.98,
        // EI = 0.99 Phi(1.98) + 0.5 phi(1.98) with Phi(1.98) = 0.9761482357, phi(1.98) = 0.0561831419.
        assertThat(Acquisition.EXPECTED_IMPROVEMENT.value(-1, 0.5, 0, 0.01, 2))
                .isCloseTo(0.99 * 0.9761482357 + 0.5 * 0.0561831419, offset(1e-9));
        assertThat(Acquisition.PROBABILITY_OF_IMPROVEMENT.value(-1, 0.5, 0, 0.01, 2)).isCloseTo(0.9761482357, offset(1e-9));
        assertThat(Acquisition.UPPER_CONFIDENCE_BOUND.value(-1, 0.5, 0, 0.01, 1.96)).isCloseTo(1.98, offset(1e-12));
    }

    @Test
    void withoutUncertaintyOnlyARealImprovementCounts() {
        assertThat(Acquisition.EXPECTED_IMPROVEMENT.value(-0.5, 0, 0, 0.01, 2)).isCloseTo(0.49, offset(1e-12));
        assertThat(Acquisition.EXPECTED_IMPROVEMENT.value(0.5, 0, 0, 0.01, 2)).isZero();
        assertThat(Acquisition.PROBABILITY_OF_IMPROVEMENT.value(0.5, 0, 0, 0.01, 2)).isZero();
    }

    @Test
    void hedgeFavoursTheAcquisitionWhoseNomineesTheModelRates() {
        GaussianProcess gp = GaussianProcess.fit(new double[][] {{0.0}, {0.5}, {1.0}}, new double[] {2, 0, 2},
                new Hyperparameters(new double[] {0.3}, 1, 1e-6));
        GpHedge hedge = new GpHedge(Acquisition.values(), 1);
        assertThat(hedge.probabilities()).containsExactly(1 / 3.0, 1 / 3.0, 1 / 3.0);
        // EI nominates the valley, PI a shoulder, UCB a wall.
        hedge.choose(new double[][] {{0.5}, {0.25}, {0.0}}, new java.util.SplittableRandom(1));
        hedge.reward(gp);
        double[] p = hedge.probabilities();
        assertThat(p[0]).isGreaterThan(p[1]);
        assertThat(p[1]).isGreaterThan(p[2]);
        double[] g = hedge.gains();
        assertThat(g[0]).isCloseTo(-gp.predictStandardised(new double[] {0.5})[0], offset(1e-12));
    }
}
