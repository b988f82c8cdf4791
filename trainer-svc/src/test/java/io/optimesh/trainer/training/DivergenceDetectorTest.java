package io.optimesh.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DivergenceDetectorTest {

    @Test
    void aLossAboveTheFactorTimesTheBestDiverges() {
        DivergenceDetector detector = new DivergenceDetector(3.0, Double.POSITIVE_INFINITY);
        assertThat(detector.checkLoss(0, 5.5)).isNull();
        detector.accept(5.5);
        assertThat(detector.checkLoss(1, 16.0)).isNull();
        detector.accept(2.0);
        detector.accept(3.0);
        assertThat(detector.checkLoss(3, 5.9)).isNull();
        Divergence divergence = detector.checkLoss(3, 6.5);
        assertThat(divergence.reason()).isEqualTo(Divergence.Reason.LOSS_EXPLOSION);
        assertThat(divergence.step()).isEqualTo(3);
        assertThat(divergence.bestLoss()).isEqualTo(2.0);
        assertThat(divergence.threshold()).isEqualTo(6.0);
        assertThat(divergence.recentLosses()).containsExactly(5.5, 2.0, 3.0);
        assertThat(divergence.describe()).contains("6.5", "step 3", "6.0");
    }

    @Test
    void nonFiniteLossesAndGradientsDivergeAtOnce() {
        DivergenceDetector detector = new DivergenceDetector(3.0, Double.POSITIVE_INFINITY);
        assertThat(detector.checkLoss(0, Double.NaN).reason()).isEqualTo(Divergence.Reason.NON_FINITE_LOSS);
        assertThat(detector.checkLoss(0, Double.POSITIVE_INFINITY).reason()).isEqualTo(Divergence.Reason.NON_FINITE_LOSS);
        assertThat(detector.checkGradient(0, 5.0, Double.NaN).reason()).isEqualTo(Divergence.Reason.NON_FINITE_GRADIENT);
        assertThat(detector.checkGradient(0, 5.0, 1e30)).isNull();
    }

    @Test
    void aResumedDetectorKeepsTheBestLossAndKeepsOnlyRecentLosses() {
        DivergenceDetector detector = new DivergenceDetector(2.0, 1.5);
        assertThat(detector.checkLoss(100, 3.1).threshold()).isEqualTo(3.0);
        for (int i = 0; i < 20; i++) {
            detector.accept(2.0 + i);
        }
        assertThat(detector.checkLoss(120, 3.5).recentLosses()).hasSize(8).startsWith(14.0).endsWith(21.0);
        assertThatThrownBy(() -> new DivergenceDetector(1.0, 1)).hasMessageContaining("above 1");
    }
}
