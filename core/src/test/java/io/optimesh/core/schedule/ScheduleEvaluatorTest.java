package io.optimesh.core.schedule;

import static io.optimesh.core.schedule.Schedules.base;
import static io.optimesh.core.schedule.Schedules.knot;
import static io.optimesh.core.schedule.Schedules.linearWarmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.DecayShape;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.ExponentialFamily;
import io.optimesh.v1.InverseSqrtFamily;
import io.optimesh.v1.LinearFamily;
import io.optimesh.v1.PiecewiseConstantFamily;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.StepDecayFamily;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupShape;
import io.optimesh.v1.WarmupStableDecayFamily;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

class ScheduleEvaluatorTest {

    private static final double EPS = 1e-15;
    private static final double HALF_SQRT2 = Math.sqrt(2) / 2;

    /**
     * Asserts evaluate() against hand-computed values, and that at(), fill() from any offset and
     * evaluate() agree bit for bit (fill walks knots with a cursor, at() searches them).
     */
    private static void assertSchedule(Schedule schedule, double... expected) {
        double[] values = ScheduleEvaluator.evaluate(schedule);
        assertThat(values).hasSize(expected.length);
        for (int s = 0; s < expected.length; s++) {
            assertThat(values[s]).as("lr(%d)", s).isCloseTo(expected[s], within(EPS));
            assertThat(ScheduleEvaluator.at(schedule, s)).as("at(%d)", s).isEqualTo(values[s]);
        }
        ScheduleEvaluator evaluator = ScheduleEvaluator.of(schedule);
        for (int from = 0; from < values.length; from++) {
            double[] tail = new double[values.length - from + 1];
            evaluator.fill(from, tail, 1, values.length - from);
            for (int s = from; s < values.length; s++) {
                assertThat(tail[s - from + 1])
                        .as("fill from %d, lr(%d)", from, s)
                        .isEqualTo(values[s]);
            }
        }
    }

    @Nested
    class Warmups {

        @Test
        void linearWarmupRampsFromInitialLrToThePeakAtStepW() {
            Schedule schedule =
                    base(5, 0.5, 0)
                            .setWarmup(linearWarmup(2).toBuilder().setInitialLr(0.1))
                            .setConstant(ConstantFamily.getDefaultInstance())
                            .build();
            // 0.1 + (0.5 - 0.1) s/2
            assertSchedule(schedule, 0.1, 0.3, 0.5, 0.5, 0.5);
        }

        @Test
        void unspecifiedShapeIsLinear() {
            Schedule schedule =
                    base(4, 0.6, 0)
                            .setWarmup(Warmup.newBuilder().setSteps(3))
                            .setConstant(ConstantFamily.getDefaultInstance())
                            .build();
            assertSchedule(schedule, 0, 0.2, 0.4, 0.6);
        }

        @Test
        void cosineWarmupFollowsHalfACosine() {
            Schedule schedule =
                    base(4, 0.5, 0)
                            .setWarmup(
                                    Warmup.newBuilder()
                                            .setSteps(3)
                                            .setShape(WarmupShape.WARMUP_SHAPE_COSINE))
                            .setConstant(ConstantFamily.getDefaultInstance())
                            .build();
            // 0.5 (1 - cos(pi s/3)) / 2: cos(pi/3) = 1/2, cos(2 pi/3) = -1/2
            assertSchedule(schedule, 0, 0.125, 0.375, 0.5);
        }

        @Test
        void warmupEndsAtTheFamilysValueAtStepW() {
            // Piecewise-linear knots put 0.8 at step 3, so the warmup ramps to 0.8, not to peak_lr.
            Schedule schedule =
                    base(5, 1, 0)
                            .setWarmup(linearWarmup(3))
                            .setPiecewiseLinear(
                                    PiecewiseLinearFamily.newBuilder()
                                            .addKnots(knot(2, 1.0))
                                            .addKnots(knot(4, 0.6)))
                            .build();
            assertSchedule(schedule, 0, 0.8 / 3, 1.6 / 3, 0.8, 0.6);
        }
    }

    @Nested
    class Families {

        @Test
        void constantHoldsThePeak() {
            Schedule schedule =
                    base(3, 0.25, 0.1).setConstant(ConstantFamily.getDefaultInstance()).build();
            assertSchedule(schedule, 0.25, 0.25, 0.25);
        }

        @Test
        void cosineStartsAtThePeakAndReachesTheFloorOneStepPastTheEnd() {
            // W = 2, T = 6, P = 1, F = 0.2: lr = 0.2 + 0.4 (1 + cos(pi (s-2)/4)) after warmup.
            Schedule schedule =
                    base(6, 1, 0.2)
                            .setWarmup(linearWarmup(2))
                            .setCosine(CosineFamily.getDefaultInstance())
                            .build();
            assertSchedule(
                    schedule, 0, 0.5, 1, 0.6 + 0.4 * HALF_SQRT2, 0.6, 0.6 - 0.4 * HALF_SQRT2);
            // lr(T) = F would be the next step: the last step stays above the floor.
            assertThat(ScheduleEvaluator.at(schedule, 5)).isGreaterThan(0.2);
        }

        @Test
        void linearDecaysFromThePeakToTheFloorAtT() {
            Schedule schedule =
                    base(4, 1, 0.2).setLinear(LinearFamily.getDefaultInstance()).build();
            // 1 - 0.8 s/4
            assertSchedule(schedule, 1, 0.8, 0.6, 0.4);
        }

        @Test
        void inverseSqrtScalesWithTheWarmup() {
            // P sqrt(4/s) from W = 4: 2/3 at s = 9, 1/2 at s = 16.
            Schedule schedule =
                    base(17, 1, 0)
                            .setWarmup(linearWarmup(4))
                            .setInverseSqrt(InverseSqrtFamily.newBuilder().setTimescale(100))
                            .build();
            double[] values = ScheduleEvaluator.evaluate(schedule);
            assertThat(values[2]).isCloseTo(0.5, within(EPS));
            assertThat(values[4]).isEqualTo(1.0);
            assertThat(values[9]).isCloseTo(2.0 / 3, within(EPS));
            assertThat(values[16]).isCloseTo(0.5, within(EPS));
        }

        @Test
        void inverseSqrtWithoutWarmupHoldsThePeakUntilItsTimescale() {
            Schedule schedule =
                    base(10, 1, 0)
                            .setInverseSqrt(InverseSqrtFamily.newBuilder().setTimescale(4))
                            .build();
            // sqrt(4 / max(s, 4)): 1 up to s = 4, then 1/sqrt(5/4), ..., 2/3 at 9.
            double[] expected = new double[10];
            for (int s = 0; s < 10; s++) {
                expected[s] = Math.sqrt(4.0 / Math.max(s, 4));
            }
            assertSchedule(schedule, expected);
            assertThat(expected[9]).isCloseTo(2.0 / 3, within(EPS));
        }

        @Test
        void inverseSqrtDefaultTimescaleIsOneStep() {
            Schedule schedule =
                    base(10, 1, 0).setInverseSqrt(InverseSqrtFamily.getDefaultInstance()).build();
            double[] values = ScheduleEvaluator.evaluate(schedule);
            assertThat(values[0]).isEqualTo(1.0);
            assertThat(values[1]).isEqualTo(1.0);
            assertThat(values[4]).isCloseTo(0.5, within(EPS));
            assertThat(values[9]).isCloseTo(1.0 / 3, within(EPS));
        }

        @Test
        void stepDecayHalvesEveryStepSizeStepsDownToTheFloor() {
            Schedule schedule =
                    base(8, 1, 0.2)
                            .setWarmup(linearWarmup(1))
                            .setStepDecay(StepDecayFamily.newBuilder().setGamma(0.5).setStepSize(2))
                            .build();
            // blocks of 2 from W = 1: 1, 1, 0.5, 0.5, 0.25, 0.25, then 0.125 floored at 0.2
            assertSchedule(schedule, 0, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.2);
        }

        @Test
        void exponentialDecaysEveryStepDownToTheFloor() {
            Schedule schedule =
                    base(5, 1, 0.1)
                            .setExponential(ExponentialFamily.newBuilder().setGamma(0.5))
                            .build();
            assertSchedule(schedule, 1, 0.5, 0.25, 0.125, 0.1);
        }

        @Test
        void piecewiseLinearInterpolatesAndHoldsOutsideItsKnots() {
            Schedule schedule =
                    base(10, 0, 0)
                            .setPiecewiseLinear(
                                    PiecewiseLinearFamily.newBuilder()
                                            .addKnots(knot(2, 1.0))
                                            .addKnots(knot(6, 0.2))
                                            .addKnots(knot(8, 0.6)))
                            .build();
            assertSchedule(schedule, 1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0.4, 0.6, 0.6);
        }

        @Test
        void piecewiseConstantHoldsEachStageUntilTheNext() {
            Schedule schedule =
                    base(9, 0, 0)
                            .setPiecewiseConstant(
                                    PiecewiseConstantFamily.newBuilder()
                                            .addStages(knot(2, 1.0))
                                            .addStages(knot(5, 0.3))
                                            .addStages(knot(7, 0.1)))
                            .build();
            assertSchedule(schedule, 1, 1, 1, 1, 1, 0.3, 0.3, 0.1, 0.1);
        }

        @Test
        void explicitReturnsItsList() {
            Schedule schedule =
                    base(3, 0, 0)
                            .setExplicit(
                                    ExplicitFamily.newBuilder().addLrs(0.1).addLrs(0.3).addLrs(0.2))
                            .build();
            assertSchedule(schedule, 0.1, 0.3, 0.2);
        }
    }

    @Nested
    class WarmupStableDecay {

        /** T = 10, W = 2, D = 6 (decay_fraction 0.4), P = 1: f = (s-6)/4 = 0, 1/4, 1/2, 3/4. */
        private Schedule wsd(DecayShape shape, double floor) {
            return base(10, 1, floor)
                    .setWarmup(linearWarmup(2))
                    .setWsd(
                            WarmupStableDecayFamily.newBuilder()
                                    .setDecayFraction(0.4)
                                    .setDecayShape(shape))
                    .build();
        }

        @Test
        void linearDecay() {
            // 1 - 0.8 f
            assertSchedule(
                    wsd(DecayShape.DECAY_SHAPE_LINEAR, 0.2), 0, 0.5, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4);
        }

        @Test
        void unspecifiedShapeIsLinear() {
            assertThat(ScheduleEvaluator.evaluate(wsd(DecayShape.DECAY_SHAPE_UNSPECIFIED, 0.2)))
                    .isEqualTo(ScheduleEvaluator.evaluate(wsd(DecayShape.DECAY_SHAPE_LINEAR, 0.2)));
        }

        @Test
        void exponentialDecay() {
            // 1^(1-f) 0.01^f = 0.1^(2f): 10^-0.5, 0.1, 10^-1.5
            assertSchedule(
                    wsd(DecayShape.DECAY_SHAPE_EXPONENTIAL, 0.01),
                    0,
                    0.5,
                    1,
                    1,
                    1,
                    1,
                    1,
                    Math.pow(10, -0.5),
                    0.1,
                    Math.pow(10, -1.5));
        }

        @Test
        void cosineDecay() {
            // 0.2 + 0.4 (1 + cos(pi f))
            assertSchedule(
                    wsd(DecayShape.DECAY_SHAPE_COSINE, 0.2),
                    0,
                    0.5,
                    1,
                    1,
                    1,
                    1,
                    1,
                    0.6 + 0.4 * HALF_SQRT2,
                    0.6,
                    0.6 - 0.4 * HALF_SQRT2);
        }

        @Test
        void oneMinusSqrtDecay() {
            // 1 - 0.8 sqrt(f): sqrt(1/4) = 1/2, sqrt(1/2), sqrt(3/4)
            assertSchedule(
                    wsd(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT, 0.2),
                    0,
                    0.5,
                    1,
                    1,
                    1,
                    1,
                    1,
                    0.6,
                    1 - 0.8 * HALF_SQRT2,
                    1 - 0.8 * Math.sqrt(0.75));
        }

        @Test
        void decayStartStepIsTheSameScheduleAsItsFraction() {
            Schedule byStep =
                    wsd(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT, 0.2).toBuilder()
                            .setWsd(
                                    WarmupStableDecayFamily.newBuilder()
                                            .setDecayStartStep(6)
                                            .setDecayShape(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT))
                            .build();
            assertThat(ScheduleEvaluator.evaluate(byStep))
                    .isEqualTo(
                            ScheduleEvaluator.evaluate(
                                    wsd(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT, 0.2)));
        }

        @Test
        void decayFractionRoundsToWholeSteps() {
            // 0.25 of 10 steps is 2.5, rounded to 3 decay steps: D = 7.
            Schedule schedule =
                    base(10, 1, 0)
                            .setWsd(WarmupStableDecayFamily.newBuilder().setDecayFraction(0.25))
                            .build();
            double[] values = ScheduleEvaluator.evaluate(schedule);
            assertThat(values[7]).isEqualTo(1.0);
            assertThat(values[8]).isCloseTo(2.0 / 3, within(EPS));
        }
    }

    /**
     * The Multi-Power Law runs (core/src/test/resources/mpl-curves): law-svc evaluates its laws on
     * these sequences, so the evaluator must reproduce them exactly.
     */
    @Nested
    class MultiPowerLawData {

        @Test
        void cosineWithTotalStepsAsTheRunLengthReproducesTheFile() throws IOException {
            List<String[]> rows = lrFile("cosine_24000");
            assertThat(rows).hasSize(23921);
            assertThat(mismatches(ScheduleEvaluator.evaluate(Schedules.mplCosine(24000)), rows))
                    .isEmpty();
        }

        @Test
        void cosineThatReachesTheFloorOnItsLastStepDoesNot() throws IOException {
            // The other reading of "reaches 3e-5 at step 24000" (24001 steps, the last one at F) is
            // off.
            assertThat(
                            mismatches(
                                    ScheduleEvaluator.evaluate(Schedules.mplCosine(24001)),
                                    lrFile("cosine_24000")))
                    .hasSizeGreaterThan(20_000);
        }

        @Test
        void cosineMatchesTheLoggedLearningRatesToFullPrecision() throws IOException {
            double[] values = ScheduleEvaluator.evaluate(Schedules.mplCosine(24000));
            List<String[]> logged = csv(resource("cosine_24000.csv"));
            assertThat(logged).hasSize(171);
            for (String[] row : logged) {
                int step = Integer.parseInt(row[0]);
                double lr = Double.parseDouble(row[1]);
                assertThat(values[step]).as("lr(%d)", step).isCloseTo(lr, within(lr * 1e-14));
            }
        }

        @Test
        void constantReproducesTheFile() throws IOException {
            List<String[]> rows = lrFile("constant_24000");
            assertThat(rows).hasSize(23937);
            assertThat(mismatches(ScheduleEvaluator.evaluate(Schedules.mplConstant()), rows))
                    .isEmpty();
        }

        @Test
        void twoStageWsdcon9ReproducesTheFile() throws IOException {
            List<String[]> rows = lrFile("wsdcon_9");
            assertThat(rows).hasSize(14145);
            double[] values = ScheduleEvaluator.evaluate(Schedules.mplWsdcon9());
            assertThat(values[7999]).isEqualTo(3e-4);
            assertThat(values[8000]).isEqualTo(9e-5);
            assertThat(mismatches(values, rows)).isEmpty();
        }

        /** Steps whose value, rounded to 8 significant digits like the file, differs from it. */
        private List<String> mismatches(double[] values, List<String[]> rows) {
            MathContext eightDigits = new MathContext(8, RoundingMode.HALF_EVEN);
            List<String> found = new ArrayList<>();
            for (String[] row : rows) {
                int step = Integer.parseInt(row[0]);
                BigDecimal ours = new BigDecimal(values[step]).round(eightDigits);
                if (ours.compareTo(new BigDecimal(row[1])) != 0) {
                    found.add(step + ": " + ours + " vs " + row[1]);
                }
            }
            return found;
        }

        private List<String[]> lrFile(String name) throws IOException {
            return csv(new GZIPInputStream(resource(name + ".lr.csv.gz")));
        }

        private InputStream resource(String name) {
            InputStream in = getClass().getResourceAsStream("/mpl-curves/25/" + name);
            assertThat(in).as(name).isNotNull();
            return in;
        }

        private List<String[]> csv(InputStream in) throws IOException {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                return reader.lines().skip(1).map(line -> line.split(",")).toList();
            }
        }
    }

    @Nested
    class Api {

        @Test
        void stepsOutsideTheScheduleAreRefused() {
            ScheduleEvaluator evaluator = ScheduleEvaluator.of(Schedules.mplCosine(3000));
            assertThatThrownBy(() -> evaluator.at(3000))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> evaluator.at(-1))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> evaluator.fill(2990, new double[20], 0, 11))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }

        @Test
        void aScheduleWithViolationsIsRefusedWithAllOfThem() {
            Schedule schedule =
                    base(10, 1, 0)
                            .setPiecewiseLinear(
                                    PiecewiseLinearFamily.newBuilder()
                                            .addKnots(knot(5, 1))
                                            .addKnots(knot(5, 0.5))
                                            .addKnots(knot(3, 0.1)))
                            .build();
            assertThatThrownBy(() -> ScheduleEvaluator.of(schedule))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("piecewise_linear.knots[1].step")
                    .hasMessageContaining("piecewise_linear.knots[2].step");
        }

        @Test
        void aMillionStepsTakeMilliseconds() {
            // 100k knots: a per-step search or rescan of the knots would take seconds to minutes.
            PiecewiseLinearFamily.Builder knots = PiecewiseLinearFamily.newBuilder();
            for (int k = 0; k < 100_000; k++) {
                knots.addKnots(knot(k * 10L, k % 2 == 0 ? 1e-3 : 1e-4));
            }
            Schedule piecewise = base(1_000_000, 0, 0).setPiecewiseLinear(knots).build();
            Schedule cosine =
                    base(1_000_000, 1e-3, 1e-5)
                            .setWarmup(linearWarmup(10_000))
                            .setCosine(CosineFamily.getDefaultInstance())
                            .build();
            ScheduleEvaluator piecewiseEvaluator = ScheduleEvaluator.of(piecewise);
            ScheduleEvaluator cosineEvaluator = ScheduleEvaluator.of(cosine);
            piecewiseEvaluator.values();
            cosineEvaluator.values();
            // Bounds generous enough for a loaded 2-core build machine; idle, each takes about 10
            // ms.
            double[] values =
                    assertTimeout(Duration.ofSeconds(2), () -> piecewiseEvaluator.values());
            assertThat(values[15]).isCloseTo(5.5e-4, within(1e-18));
            assertTimeout(Duration.ofSeconds(2), () -> cosineEvaluator.values());
        }
    }
}
