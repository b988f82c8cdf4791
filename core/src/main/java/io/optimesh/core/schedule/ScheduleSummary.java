package io.optimesh.core.schedule;

import io.optimesh.v1.Schedule;

/**
 * Features of a whole learning-rate sequence, as loss-curve laws use them.
 *
 * @param peak the largest learning rate
 * @param peakStep the first step at which it is reached
 * @param finalLr the learning rate of the last step
 * @param area the sum of all learning rates (S1 + SW in the Multi-Power Law)
 * @param warmupArea the sum of the learning rates of the warmup steps (SW)
 * @param annealingArea the sum of (peak - lr) over the steps after {@code peakStep}
 * @param stepsAtPeak how many steps have exactly the peak learning rate
 * @param totalSteps the number of steps
 */
public record ScheduleSummary(
        double peak,
        long peakStep,
        double finalLr,
        double area,
        double warmupArea,
        double annealingArea,
        long stepsAtPeak,
        long totalSteps) {

    /**
     * Streams the schedule through a fixed buffer, so any length is summarised in constant memory.
     */
    private static final int CHUNK = 1 << 16;

    /**
     * Summarises a schedule.
     *
     * @throws IllegalArgumentException if it cannot be evaluated or has a negative or non-finite
     *     value
     */
    public static ScheduleSummary of(Schedule schedule) {
        ScheduleEvaluator evaluator = ScheduleEvaluator.of(schedule);
        long total = evaluator.totalSteps();
        Accumulator accumulator = new Accumulator(evaluator.warmupSteps());
        double[] chunk = new double[(int) Math.min(total, CHUNK)];
        for (long from = 0; from < total; from += chunk.length) {
            int length = (int) Math.min(chunk.length, total - from);
            evaluator.fill(from, chunk, 0, length);
            for (int i = 0; i < length; i++) {
                accumulator.accept(chunk[i]);
            }
        }
        return accumulator.summary();
    }

    /**
     * Summarises a learning-rate sequence whose first {@code warmupSteps} steps are warmup.
     *
     * @throws IllegalArgumentException if it is empty or has a negative or non-finite value
     */
    public static ScheduleSummary of(double[] learningRates, long warmupSteps) {
        if (learningRates.length == 0) {
            throw new IllegalArgumentException("an empty learning-rate sequence has no summary");
        }
        Accumulator accumulator = new Accumulator(warmupSteps);
        for (double lr : learningRates) {
            accumulator.accept(lr);
        }
        return accumulator.summary();
    }

    /** One pass: the annealing sum restarts whenever a new peak appears. */
    private static final class Accumulator {
        private final long warmupSteps;
        private final CompensatedSum area = new CompensatedSum();
        private final CompensatedSum warmupArea = new CompensatedSum();
        private final CompensatedSum annealingArea = new CompensatedSum();
        private long step;
        private double peak = Double.NEGATIVE_INFINITY;
        private long peakStep;
        private long stepsAtPeak;
        private double last;

        Accumulator(long warmupSteps) {
            this.warmupSteps = warmupSteps;
        }

        void accept(double lr) {
            if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(
                        "the learning rate at step "
                                + step
                                + " is "
                                + lr
                                + "; it must be finite and >= 0");
            }
            area.add(lr);
            if (step < warmupSteps) {
                warmupArea.add(lr);
            }
            if (lr > peak) {
                peak = lr;
                peakStep = step;
                stepsAtPeak = 1;
                annealingArea.reset();
            } else {
                annealingArea.add(peak - lr);
                if (lr == peak) {
                    stepsAtPeak++;
                }
            }
            last = lr;
            step++;
        }

        ScheduleSummary summary() {
            return new ScheduleSummary(
                    peak,
                    peakStep,
                    last,
                    area.value(),
                    warmupArea.value(),
                    annealingArea.value(),
                    stepsAtPeak,
                    step);
        }
    }

    /**
     * Neumaier's compensated sum: a million learning rates add up to within about an ulp instead of
     * drifting by up to n ulps, so the features agree with an exact sum to full double precision.
     */
    private static final class CompensatedSum {
        private double sum;
        private double compensation;

        void add(double x) {
            double t = sum + x;
            compensation += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
        }

        void reset() {
            sum = 0;
            compensation = 0;
        }

        double value() {
            return sum + compensation;
        }
    }
}
