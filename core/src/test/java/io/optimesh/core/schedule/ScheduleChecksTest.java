package io.optimesh.core.schedule;

import static io.optimesh.core.schedule.Schedules.base;
import static io.optimesh.core.schedule.Schedules.knot;
import static io.optimesh.core.schedule.Schedules.linearWarmup;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.DecayShape;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.ExponentialFamily;
import io.optimesh.v1.LinearFamily;
import io.optimesh.v1.PiecewiseConstantFamily;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.StepDecayFamily;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupStableDecayFamily;

import org.junit.jupiter.api.Test;

class ScheduleChecksTest {

    private static ScheduleViolation violation(String field, String descriptionPart) {
        return new ScheduleViolation(field, descriptionPart);
    }

    @Test
    void soundSchedulesHaveNoViolations() {
        assertThat(ScheduleChecks.violations(Schedules.mplCosine(24000), "schedule")).isEmpty();
        assertThat(ScheduleChecks.violations(Schedules.mplWsdcon9(), "schedule")).isEmpty();
        Schedule wsd =
                base(100, 1e-3, 1e-5)
                        .setWarmup(linearWarmup(10))
                        .setWsd(
                                WarmupStableDecayFamily.newBuilder()
                                        .setDecayFraction(0.9)
                                        .setDecayShape(DecayShape.DECAY_SHAPE_EXPONENTIAL))
                        .build();
        assertThat(ScheduleChecks.violations(wsd, "")).isEmpty();
    }

    @Test
    void knotsMustBeInStrictlyIncreasingStepOrder() {
        Schedule schedule =
                base(10, 0, 0)
                        .setPiecewiseConstant(
                                PiecewiseConstantFamily.newBuilder()
                                        .addStages(knot(0, 1))
                                        .addStages(knot(4, 0.5))
                                        .addStages(knot(4, 0.2))
                                        .addStages(knot(7, 0.1))
                                        .addStages(knot(6, 0.1)))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, "schedule"))
                .extracting(ScheduleViolation::field)
                .containsExactly(
                        "schedule.piecewise_constant.stages[2].step",
                        "schedule.piecewise_constant.stages[4].step");
        assertThat(ScheduleChecks.violations(schedule, "schedule").get(0).description())
                .isEqualTo("knots must be in strictly increasing step order: 4 follows 4");
    }

    @Test
    void piecewiseFamiliesNeedAKnot() {
        Schedule schedule =
                base(10, 0, 0)
                        .setPiecewiseLinear(PiecewiseLinearFamily.getDefaultInstance())
                        .build();
        assertThat(ScheduleChecks.violations(schedule, ""))
                .containsExactly(violation("piecewise_linear.knots", "needs at least one knot"));
    }

    @Test
    void wsdDecayMustStartAtOrAfterTheWarmup() {
        Schedule schedule =
                base(100, 1, 0)
                        .setWarmup(linearWarmup(30))
                        .setWsd(WarmupStableDecayFamily.newBuilder().setDecayStartStep(20))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, "candidates[1]"))
                .containsExactly(
                        violation(
                                "candidates[1].wsd.decay_start_step",
                                "the decay starts at step 20, outside [warmup.steps, total_steps) ="
                                    + " [30, 100)"));
    }

    @Test
    void wsdDecayMustStartBeforeTheEnd() {
        Schedule byStep =
                base(100, 1, 0)
                        .setWsd(WarmupStableDecayFamily.newBuilder().setDecayStartStep(100))
                        .build();
        assertThat(ScheduleChecks.violations(byStep, ""))
                .extracting(ScheduleViolation::field)
                .containsExactly("wsd.decay_start_step");
        // 0.004 of 100 steps rounds to no decay at all.
        Schedule byFraction =
                base(100, 1, 0)
                        .setWsd(WarmupStableDecayFamily.newBuilder().setDecayFraction(0.004))
                        .build();
        assertThat(ScheduleChecks.violations(byFraction, ""))
                .containsExactly(
                        violation(
                                "wsd.decay_fraction",
                                "decay_fraction 0.004 starts the decay at step 100, outside"
                                    + " [warmup.steps, total_steps) = [0, 100)"));
    }

    @Test
    void wsdDecayFractionThatEatsIntoTheWarmupIsRefused() {
        // 0.95 of 100 steps decaying starts the decay at step 5, inside a 10-step warmup.
        Schedule schedule =
                base(100, 1, 0)
                        .setWarmup(linearWarmup(10))
                        .setWsd(WarmupStableDecayFamily.newBuilder().setDecayFraction(0.95))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, ""))
                .extracting(ScheduleViolation::field)
                .containsExactly("wsd.decay_fraction");
    }

    @Test
    void wsdNeedsExactlyOneDecayStart() {
        Schedule schedule =
                base(100, 1, 0)
                        .setWsd(
                                WarmupStableDecayFamily.newBuilder()
                                        .setDecayFraction(0.2)
                                        .setDecayStartStep(80))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, ""))
                .containsExactly(
                        violation("wsd", "set decay_fraction or decay_start_step, not both"));
    }

    @Test
    void exponentialWsdDecayNeedsAPositiveFloor() {
        Schedule schedule =
                base(100, 1, 0)
                        .setWsd(
                                WarmupStableDecayFamily.newBuilder()
                                        .setDecayFraction(0.2)
                                        .setDecayShape(DecayShape.DECAY_SHAPE_EXPONENTIAL))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, "schedule"))
                .containsExactly(
                        violation(
                                "schedule.min_lr",
                                "an exponential WSD decay P^(1-f) F^f needs min_lr > 0, got 0.0"));
    }

    @Test
    void negativeLearningRatesAreFound() {
        // A negative peak (protovalidate refuses it too) makes the warmup ramp down from 0: the
        // last
        // warmup step is the most negative one of that piece.
        Schedule negativePeak =
                base(1000, -1e-3, 0)
                        .setWarmup(linearWarmup(100))
                        .setLinear(LinearFamily.getDefaultInstance())
                        .build();
        assertThat(ScheduleChecks.violations(negativePeak, "schedule"))
                .singleElement()
                .satisfies(
                        v -> {
                            assertThat(v.field()).isEqualTo("schedule.warmup");
                            assertThat(v.description())
                                    .startsWith("the learning rate at step 99 would be -9.9");
                        });
    }

    @Test
    void valuesThatOverflowAtTheEndAreFound() {
        // gamma = 10 is outside its declared range; 10^400 overflows long before step 999.
        Schedule schedule =
                base(1000, 1, 0)
                        .setExponential(ExponentialFamily.newBuilder().setGamma(10))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, ""))
                .containsExactly(
                        violation(
                                "exponential",
                                "the learning rate at step 999 would be Infinity; every step's"
                                    + " learning rate must be finite and >= 0"));
    }

    @Test
    void nonFiniteParametersAreFound() {
        Schedule schedule =
                base(10, Double.NaN, 0).setConstant(ConstantFamily.getDefaultInstance()).build();
        assertThat(ScheduleChecks.violations(schedule, ""))
                .extracting(ScheduleViolation::field)
                .containsExactly("constant");
    }

    @Test
    void negativeKnotBetweenOthersIsFound() {
        Schedule schedule =
                base(100, 0, 0)
                        .setPiecewiseLinear(
                                PiecewiseLinearFamily.newBuilder()
                                        .addKnots(knot(0, 1))
                                        .addKnots(knot(50, -0.5))
                                        .addKnots(knot(99, 1)))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, ""))
                .extracting(ScheduleViolation::field)
                .containsExactly("piecewise_linear");
    }

    @Test
    void explicitValuesAreCheckedOneByOne() {
        Schedule schedule =
                base(3, 0, 0)
                        .setExplicit(
                                ExplicitFamily.newBuilder()
                                        .addLrs(0.1)
                                        .addLrs(Double.POSITIVE_INFINITY)
                                        .addLrs(0.1))
                        .build();
        assertThat(ScheduleChecks.violations(schedule, ""))
                .extracting(ScheduleViolation::field)
                .containsExactly("explicit.lrs[1]");
    }

    @Test
    void theEvaluatorsPreconditionsAreReported() {
        assertThat(
                        ScheduleChecks.violations(
                                Schedule.newBuilder()
                                        .setConstant(ConstantFamily.getDefaultInstance())
                                        .build(),
                                ""))
                .containsExactly(violation("total_steps", "must be positive, got 0"));
        assertThat(ScheduleChecks.violations(base(10, 1, 0).build(), ""))
                .containsExactly(violation("family", "a schedule family is required"));
        assertThat(
                        ScheduleChecks.violations(
                                base(10, 1, 0)
                                        .setWarmup(linearWarmup(10))
                                        .setConstant(ConstantFamily.getDefaultInstance())
                                        .build(),
                                ""))
                .containsExactly(
                        violation("warmup.steps", "must be in [0, total_steps) = [0, 10), got 10"));
        assertThat(
                        ScheduleChecks.violations(
                                base(10, 1, 0)
                                        .setStepDecay(StepDecayFamily.newBuilder().setGamma(0.5))
                                        .build(),
                                ""))
                .containsExactly(violation("step_decay.step_size", "must be positive, got 0"));
        assertThat(
                        ScheduleChecks.violations(
                                base(2, 0, 0)
                                        .setWarmup(Warmup.newBuilder().setSteps(1))
                                        .setExplicit(ExplicitFamily.newBuilder().addLrs(0.1))
                                        .build(),
                                ""))
                .containsExactly(
                        violation(
                                "explicit.lrs", "must hold exactly total_steps = 2 values, got 1"),
                        violation(
                                "warmup.steps",
                                "an explicit schedule already holds its warmup: leave it 0"));
    }
}
