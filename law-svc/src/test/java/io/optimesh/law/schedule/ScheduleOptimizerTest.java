package io.optimesh.law.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.model.AnnealingConvention;
import io.optimesh.law.model.MomentumLaw;
import io.optimesh.law.model.MultiPowerLaw;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Warmup;
import org.junit.jupiter.api.Test;

class ScheduleOptimizerTest {

    /** Fitted by Luo et al. to their 400M curves: L0, A, alpha, B, C, beta, gamma. */
    private static final double[] PUBLISHED_400M = {2.375, 0.654, 0.429, 523.4, 2.025, 0.594, 0.635};
    private static final int TOTAL = 24_000;
    private static final int WARMUP = 2160;
    private static final double PEAK = 3e-4;
    private static final double FLOOR = 3e-5;

    private static double finalLoss(FittedLaw law, Schedule.Builder schedule) {
        double[] lrs = ScheduleEvaluator.evaluate(schedule.setTotalSteps(TOTAL).setPeakLr(PEAK).setMinLr(FLOOR)
                .setWarmup(Warmup.newBuilder().setSteps(WARMUP)).build());
        return law.predict(lrs, new int[] {TOTAL - 1}, 0.9).finalLoss();
    }

    private static void assertWithinBounds(OptimizedSchedule schedule, ScheduleBounds bounds) {
        double[] lrs = schedule.lrs();
        assertThat(lrs).hasSize(bounds.totalSteps());
        for (int s = 0; s < lrs.length; s++) {
            assertThat(lrs[s]).as("lr at %d", s).isLessThanOrEqualTo(bounds.maxPeakLr() * (1 + 1e-12));
            if (s >= bounds.warmupSteps()) {
                assertThat(lrs[s]).as("lr at %d", s).isGreaterThanOrEqualTo(bounds.minLr() * (1 - 1e-12));
            }
            if (s > bounds.warmupSteps()) {
                assertThat(lrs[s]).as("monotone at %d", s).isLessThanOrEqualTo(lrs[s - 1] * (1 + 1e-12));
            }
        }
        int decaySteps = lrs.length - schedule.decayStart();
        assertThat(decaySteps).isLessThanOrEqualTo(
                (int) Math.ceil(bounds.maxDecayFraction() * (bounds.totalSteps() - 1 - bounds.warmupSteps())) + 1);
    }

    @Test
    void beatsCosineAndConstantUnderTheMultiPowerLawWithinItsBounds() {
        FittedLaw law = FittedLaw.fixed(new MultiPowerLaw(), PUBLISHED_400M);
        ScheduleBounds bounds = new ScheduleBounds(TOTAL, WARMUP, PEAK, FLOOR, 0.5);
        OptimizedSchedule best = new ScheduleOptimizer().optimize(law, bounds, 0.9);

        assertWithinBounds(best, bounds);
        double cosine = finalLoss(law, Schedule.newBuilder().setCosine(CosineFamily.getDefaultInstance()));
        double constant = finalLoss(law, Schedule.newBuilder().setConstant(ConstantFamily.getDefaultInstance()));
        assertThat(best.finalLoss().finalLoss()).isLessThan(cosine - 0.005).isLessThan(constant - 0.05);
        // The law's optimum anneals, and as far down as the floor allows.
        assertThat(best.decayStart()).isLessThan(TOTAL - 1000);
        assertThat(best.finalLr()).isLessThan(2 * FLOOR);
        assertThat(best.peakLr()).isGreaterThan(0.9 * PEAK);
    }

    @Test
    void optimisesUnderTheMomentumLawWithinATighterDecayBound() {
        // The momentum law fitted to the 400M curves: L0, A, alpha, C.
        FittedLaw law = FittedLaw.fixed(new MomentumLaw(AnnealingConvention.FROM_FIRST_STEP),
                2.418, 0.6007, 0.4981, 0.5637);
        ScheduleBounds bounds = new ScheduleBounds(TOTAL, WARMUP, PEAK, FLOOR, 0.1);
        OptimizedSchedule best = new ScheduleOptimizer().optimize(law, bounds, 0.9);
        assertWithinBounds(best, bounds);
        assertThat(best.finalLoss().finalLoss())
                .isLessThan(finalLoss(law, Schedule.newBuilder().setCosine(CosineFamily.getDefaultInstance())))
                .isLessThan(finalLoss(law, Schedule.newBuilder().setConstant(ConstantFamily.getDefaultInstance())));
    }

    @Test
    void aZeroDecayBoundGivesAConstantSchedule() {
        FittedLaw law = FittedLaw.fixed(new MultiPowerLaw(), PUBLISHED_400M);
        OptimizedSchedule best = new ScheduleOptimizer().optimize(law,
                new ScheduleBounds(5000, 500, PEAK, FLOOR, 0), 0.9);
        assertThat(best.knots()).hasSize(1);
        assertThat(best.lrs()[4999]).isEqualTo(best.peakLr());
    }

    @Test
    void refusesBoundsThatLeaveNothingToOptimise() {
        assertThatThrownBy(() -> new ScheduleBounds(100, 100, PEAK, FLOOR, 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warmup");
        assertThatThrownBy(() -> new ScheduleBounds(100, 10, PEAK, 2 * PEAK, 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor");
        assertThatThrownBy(() -> new ScheduleBounds(100, 10, PEAK, FLOOR, 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("decay fraction");
    }
}
