package io.optimesh.core.schedule;

import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.PiecewiseConstantFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleKnot;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupShape;

/** Builders for the schedules the tests use. */
final class Schedules {

    private Schedules() {}

    static Schedule.Builder base(long totalSteps, double peak, double floor) {
        return Schedule.newBuilder().setTotalSteps(totalSteps).setPeakLr(peak).setMinLr(floor);
    }

    static Warmup linearWarmup(long steps) {
        return Warmup.newBuilder()
                .setSteps(steps)
                .setShape(WarmupShape.WARMUP_SHAPE_LINEAR)
                .build();
    }

    static ScheduleKnot knot(long step, double lr) {
        return ScheduleKnot.newBuilder().setStep(step).setLr(lr).build();
    }

    /** The Multi-Power Law runs' cosine: warmup 0 -> 3e-4 over 2160 steps, to 3e-5 at step T. */
    static Schedule mplCosine(long totalSteps) {
        return base(totalSteps, 3e-4, 3e-5)
                .setWarmup(linearWarmup(2160))
                .setCosine(CosineFamily.getDefaultInstance())
                .build();
    }

    static Schedule mplConstant() {
        return base(24000, 3e-4, 0)
                .setWarmup(linearWarmup(2160))
                .setConstant(ConstantFamily.getDefaultInstance())
                .build();
    }

    /** Two stages: 3e-4 until step 8000, then 9e-5 until step 16000. */
    static Schedule mplWsdcon9() {
        return base(16000, 3e-4, 0)
                .setWarmup(linearWarmup(2160))
                .setPiecewiseConstant(
                        PiecewiseConstantFamily.newBuilder()
                                .addStages(knot(0, 3e-4))
                                .addStages(knot(8000, 9e-5)))
                .build();
    }
}
