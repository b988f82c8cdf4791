package io.optimesh.core.schedule;

import static io.optimesh.core.schedule.Schedules.base;
import static io.optimesh.core.schedule.Schedules.knot;
import static io.optimesh.core.schedule.Schedules.linearWarmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.DecayShape;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.WarmupStableDecayFamily;

import org.junit.jupiter.api.Test;

class ScheduleSummaryTest {

    @Test
    void wsdFeaturesByHand() {
        // 0, 0.5, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4
        Schedule schedule =
                base(10, 1, 0.2)
                        .setWarmup(linearWarmup(2))
                        .setWsd(
                                WarmupStableDecayFamily.newBuilder()
                                        .setDecayFraction(0.4)
                                        .setDecayShape(DecayShape.DECAY_SHAPE_LINEAR))
                        .build();
        ScheduleSummary summary = ScheduleSummary.of(schedule);
        assertThat(summary.peak()).isEqualTo(1.0);
        assertThat(summary.peakStep()).isEqualTo(2);
        assertThat(summary.stepsAtPeak()).isEqualTo(5);
        assertThat(summary.finalLr()).isCloseTo(0.4, within(1e-15));
        assertThat(summary.area()).isCloseTo(7.3, within(1e-14));
        assertThat(summary.warmupArea()).isEqualTo(0.5);
        // (1 - 0.8) + (1 - 0.6) + (1 - 0.4)
        assertThat(summary.annealingArea()).isCloseTo(1.2, within(1e-14));
        assertThat(summary.totalSteps()).isEqualTo(10);
    }

    @Test
    void multiPowerLawCosineFeaturesMatchTheirClosedForms() {
        // W = 2160 warmup steps P s/W, then N = 21840 cosine steps k = 0..N-1 whose cosines sum to
        // 1:
        //   area = P (W-1)/2 + N F + (P-F)(N+1)/2,  annealing = sum_{k=1}^{N-1} (P-F)/2 (1 - cos) =
        // (P-F)(N-1)/2.
        double p = 3e-4;
        double f = 3e-5;
        long w = 2160;
        long n = 24000 - w;
        ScheduleSummary summary = ScheduleSummary.of(Schedules.mplCosine(24000));
        assertThat(summary.peak()).isEqualTo(p);
        assertThat(summary.peakStep()).isEqualTo(w);
        assertThat(summary.stepsAtPeak()).isEqualTo(1);
        assertThat(summary.warmupArea()).isCloseTo(p * (w - 1) / 2, within(1e-15));
        assertThat(summary.area())
                .isCloseTo(p * (w - 1) / 2 + n * f + (p - f) * (n + 1) / 2, within(1e-14));
        assertThat(summary.area()).isCloseTo(3.927585, within(1e-14));
        assertThat(summary.annealingArea()).isCloseTo((p - f) * (n - 1) / 2, within(1e-14));
        assertThat(summary.finalLr()).isCloseTo(3.0000001396684333e-5, within(1e-18));
    }

    @Test
    void annealingRestartsAtALaterHigherPeak() {
        // 0.5, 0.3, 0.8, 0.6, 0.8: the peak is 0.8 at step 2, so the dip before it does not count.
        Schedule schedule =
                base(5, 0, 0)
                        .setPiecewiseLinear(
                                PiecewiseLinearFamily.newBuilder()
                                        .addKnots(knot(0, 0.5))
                                        .addKnots(knot(1, 0.3))
                                        .addKnots(knot(2, 0.8))
                                        .addKnots(knot(3, 0.6))
                                        .addKnots(knot(4, 0.8)))
                        .build();
        ScheduleSummary summary = ScheduleSummary.of(schedule);
        assertThat(summary.peakStep()).isEqualTo(2);
        assertThat(summary.stepsAtPeak()).isEqualTo(2);
        assertThat(summary.annealingArea()).isCloseTo(0.2, within(1e-15));
        assertThat(summary.warmupArea()).isZero();
    }

    @Test
    void longSchedulesAreSummarisedInChunksLikeTheirFullSequence() {
        // 200k steps span several internal chunks; the sequence summary reads the array in one go.
        Schedule schedule =
                base(200_000, 1e-3, 1e-5)
                        .setWarmup(linearWarmup(5000))
                        .setWsd(
                                WarmupStableDecayFamily.newBuilder()
                                        .setDecayFraction(0.2)
                                        .setDecayShape(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT))
                        .build();
        ScheduleSummary streamed = ScheduleSummary.of(schedule);
        assertThat(ScheduleSummary.of(ScheduleEvaluator.evaluate(schedule), 5000))
                .isEqualTo(streamed);
        assertThat(streamed.stepsAtPeak()).isEqualTo(160_000 - 5000 + 1);
        // 1-sqrt over the last 40k steps: sum (P-F) sqrt(k/40000), k < 40000, is about (P-F) 40000
        // * 2/3.
        assertThat(streamed.annealingArea())
                .isCloseTo((1e-3 - 1e-5) * 40_000 * 2 / 3, within(0.01));
    }

    @Test
    void aSequenceWithABadValueHasNoSummary() {
        assertThatThrownBy(() -> ScheduleSummary.of(new double[] {0.1, Double.NaN}, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the learning rate at step 1 is NaN; it must be finite and >= 0");
        assertThatThrownBy(() -> ScheduleSummary.of(new double[0], 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                ScheduleSummary.of(
                                        base(3, -1, -2)
                                                .setConstant(ConstantFamily.getDefaultInstance())
                                                .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step 0 is -1.0");
    }
}
