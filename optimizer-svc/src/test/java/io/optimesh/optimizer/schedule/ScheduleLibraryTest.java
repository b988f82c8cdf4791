package io.optimesh.optimizer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.core.schedule.ScheduleViolation;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.LinearFamily;
import io.optimesh.v1.Schedule;

import org.junit.jupiter.api.Test;

class ScheduleLibraryTest {

    private final ScheduleLibrary library = new ScheduleLibrary(100, 1_000);

    private static Schedule linear(long totalSteps) {
        return Schedule.newBuilder()
                .setTotalSteps(totalSteps)
                .setPeakLr(1.0)
                .setMinLr(0.2)
                .setLinear(LinearFamily.getDefaultInstance())
                .build();
    }

    @Test
    void evaluatesEveryStepOrTheListedOnes() {
        ScheduleLibrary.Evaluation all = library.evaluate(linear(4), new long[0]);
        assertThat(all.steps()).containsExactly(0, 1, 2, 3);
        assertThat(all.learningRates())
                .containsExactly(new double[] {1, 0.8, 0.6, 0.4}, within(1e-15));
        assertThat(all.summary().area()).isCloseTo(2.8, within(1e-15));

        ScheduleLibrary.Evaluation listed = library.evaluate(linear(4), new long[] {3, 1});
        assertThat(listed.steps()).containsExactly(3, 1);
        assertThat(listed.learningRates()).containsExactly(new double[] {0.4, 0.8}, within(1e-15));
        assertThat(listed.summary()).isEqualTo(all.summary());
    }

    @Test
    void aSoundRequestHasNoViolations() {
        assertThat(library.check(linear(100), new long[0])).isEmpty();
        assertThat(library.check(linear(1_000), new long[] {0, 999})).isEmpty();
    }

    @Test
    void refusesWhatItWillNotAnswer() {
        assertThat(library.check(linear(101), new long[0]))
                .containsExactly(
                        new ScheduleViolation(
                                "steps",
                                "the schedule has 101 steps, more than the 100 one response"
                                    + " returns: list the steps to evaluate"));
        assertThat(library.check(linear(1_001), new long[] {5}))
                .containsExactly(
                        new ScheduleViolation(
                                "schedule.total_steps",
                                "this service evaluates schedules of at most 1000 steps, got"
                                    + " 1001"));
        assertThat(library.check(linear(1_000), new long[101]))
                .containsExactly(
                        new ScheduleViolation("steps", "at most 100 steps per request, got 101"));
        assertThat(library.check(linear(10), new long[] {9, -1, 10}))
                .containsExactly(
                        new ScheduleViolation(
                                "steps[1]", "step -1 is outside the schedule's steps [0, 10)"));
    }

    @Test
    void passesOnTheSchedulesOwnViolationsUnderItsField() {
        Schedule noSteps =
                Schedule.newBuilder().setConstant(ConstantFamily.getDefaultInstance()).build();
        assertThat(library.check(noSteps, new long[0]))
                .containsExactly(
                        new ScheduleViolation("schedule.total_steps", "must be positive, got 0"));
    }
}
