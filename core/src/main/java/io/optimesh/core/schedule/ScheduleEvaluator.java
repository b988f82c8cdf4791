package io.optimesh.core.schedule;

import io.optimesh.v1.DecayShape;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleKnot;
import io.optimesh.v1.WarmupShape;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Evaluates a {@link Schedule}: the learning rate lr(s) of every step s = 0 .. T-1, T =
 * total_steps. The one implementation every service uses; schedule.proto defines the families. The
 * choices the contract leaves open are made here:
 *
 * <ul>
 *   <li>T counts the steps of the run, and decaying families (cosine, linear, WSD) reach the floor
 *       F at s = T, one step past the last one evaluated: lr(T-1) stays just above F. This is the
 *       convention of PyTorch's schedulers and of the Multi-Power Law data, whose 24000-step cosine
 *       runs reach 3e-5 "at step 24000" (ScheduleEvaluatorTest reproduces those files).
 *   <li>Warmup, for s &lt; W: lr(s) = I + (V - I) r(s/W), where I = warmup.initial_lr, V is the
 *       family's value at s = W, and r(x) = x (linear) or (1 - cos(pi x))/2 (cosine).
 *   <li>Families are written as P minus a decay, so the step where a decay starts is exactly P and
 *       {@link ScheduleSummary#stepsAtPeak()} can count plateaus by equality.
 *   <li>Inverse square root is P sqrt(tau / max(s, tau)) with tau = W, or the timescale (default 1)
 *       when there is no warmup, so it holds P until tau instead of diverging at s = 0. As the
 *       contract says, it is not floored at F; step decay and exponential are.
 *   <li>Piecewise families hold their first knot's LR before it and their last knot's after it.
 *   <li>WSD with decay_fraction f starts its decay at D = T - round(f T).
 * </ul>
 *
 * <p>An instance is immutable and thread-safe. {@link #fill} evaluates a range of steps in one pass
 * without allocating (piecewise knots are walked with a cursor, not searched per step), so long
 * schedules can be streamed in chunks; {@link #values()} materialises all of them.
 */
public final class ScheduleEvaluator {

    /**
     * The longest schedule {@link #values()} will put in one array; stream longer ones with fill.
     */
    public static final int MAX_MATERIALISED_STEPS = Integer.MAX_VALUE - 8;

    private enum Family {
        CONSTANT,
        COSINE,
        LINEAR,
        INVERSE_SQRT,
        STEP_DECAY,
        EXPONENTIAL,
        WSD,
        PIECEWISE_LINEAR,
        PIECEWISE_CONSTANT,
        EXPLICIT
    }

    private final Family family;
    private final long totalSteps;
    private final long warmupSteps;
    private final boolean cosineWarmup;
    private final double warmupStart;
    private final double peak;
    private final double floor;

    /** T - W, the span the cosine and linear families decay over. */
    private final double decaySpanAfterWarmup;

    private final double gamma;
    private final long stepSize;
    private final double inverseSqrtScale;
    private final long decayStart;
    private final double wsdDecaySpan;
    private final DecayShape decayShape;
    private final long[] knotSteps;
    private final double[] knotLrs;
    private final double[] explicit;

    /** V: the family's value at s = W, where the warmup ramp ends. */
    private final double warmupTarget;

    private ScheduleEvaluator(Schedule schedule) {
        family = familyOf(schedule);
        totalSteps = schedule.getTotalSteps();
        warmupSteps = family == Family.EXPLICIT ? 0 : schedule.getWarmup().getSteps();
        cosineWarmup = schedule.getWarmup().getShape() == WarmupShape.WARMUP_SHAPE_COSINE;
        warmupStart = schedule.getWarmup().getInitialLr();
        peak = schedule.getPeakLr();
        floor = schedule.getMinLr();
        decaySpanAfterWarmup = totalSteps - warmupSteps;
        gamma =
                switch (family) {
                    case STEP_DECAY -> schedule.getStepDecay().getGamma();
                    case EXPONENTIAL -> schedule.getExponential().getGamma();
                    default -> 1.0;
                };
        stepSize = family == Family.STEP_DECAY ? schedule.getStepDecay().getStepSize() : 1;
        long timescale = schedule.getInverseSqrt().getTimescale();
        inverseSqrtScale = warmupSteps > 0 ? warmupSteps : Math.max(1, timescale);
        decayStart = family == Family.WSD ? wsdDecayStart(schedule) : totalSteps;
        wsdDecaySpan = totalSteps - decayStart;
        decayShape =
                schedule.getWsd().getDecayShape() == DecayShape.DECAY_SHAPE_UNSPECIFIED
                        ? DecayShape.DECAY_SHAPE_LINEAR
                        : schedule.getWsd().getDecayShape();
        List<ScheduleKnot> knots =
                switch (family) {
                    case PIECEWISE_LINEAR -> schedule.getPiecewiseLinear().getKnotsList();
                    case PIECEWISE_CONSTANT -> schedule.getPiecewiseConstant().getStagesList();
                    default -> List.of();
                };
        knotSteps = knots.stream().mapToLong(ScheduleKnot::getStep).toArray();
        knotLrs = knots.stream().mapToDouble(ScheduleKnot::getLr).toArray();
        explicit = new double[schedule.getExplicit().getLrsCount()];
        for (int i = 0; i < explicit.length; i++) {
            explicit[i] = schedule.getExplicit().getLrs(i);
        }
        warmupTarget = warmupSteps > 0 ? familyAt(warmupSteps) : peak;
    }

    /**
     * An evaluator for {@code schedule}.
     *
     * @throws IllegalArgumentException if the schedule cannot be evaluated (see {@link
     *     ScheduleChecks#violations}); its message lists every problem
     */
    public static ScheduleEvaluator of(Schedule schedule) {
        Objects.requireNonNull(schedule, "schedule");
        List<ScheduleViolation> problems = ScheduleChecks.structuralViolations(schedule, "");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "schedule cannot be evaluated: "
                            + problems.stream()
                                    .map(ScheduleViolation::toString)
                                    .collect(Collectors.joining("; ")));
        }
        return new ScheduleEvaluator(schedule);
    }

    /** For ScheduleChecks, which has already found the schedule structurally sound. */
    static ScheduleEvaluator ofChecked(Schedule schedule) {
        return new ScheduleEvaluator(schedule);
    }

    /** The learning rate of every step 0 .. total_steps-1. */
    public static double[] evaluate(Schedule schedule) {
        return of(schedule).values();
    }

    /** The learning rate at one step, 0 &lt;= step &lt; total_steps. */
    public static double at(Schedule schedule, long step) {
        return of(schedule).at(step);
    }

    public long totalSteps() {
        return totalSteps;
    }

    /** Steps of warmup actually applied (always 0 for an explicit list, which holds its own). */
    public long warmupSteps() {
        return warmupSteps;
    }

    /** The learning rate at {@code step}, 0 &lt;= step &lt; total_steps. */
    public double at(long step) {
        if (step < 0 || step >= totalSteps) {
            throw new IndexOutOfBoundsException(
                    "step " + step + " is outside the schedule's steps [0, " + totalSteps + ")");
        }
        return step < warmupSteps ? warmupAt(step) : familyAt(step);
    }

    /** The learning rate of every step, in one array. */
    public double[] values() {
        if (totalSteps > MAX_MATERIALISED_STEPS) {
            throw new IllegalStateException(
                    totalSteps + " steps do not fit in one array; read them in chunks with fill()");
        }
        double[] out = new double[(int) totalSteps];
        fill(0, out, 0, out.length);
        return out;
    }

    /**
     * Writes the learning rates of steps {@code fromStep .. fromStep+length-1} into {@code
     * out[offset .. offset+length-1]}, in one pass.
     */
    public void fill(long fromStep, double[] out, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, out.length);
        if (fromStep < 0 || fromStep > totalSteps || length > totalSteps - fromStep) {
            throw new IndexOutOfBoundsException(
                    "steps ["
                            + fromStep
                            + ", "
                            + (fromStep + length)
                            + ") are outside the schedule's steps [0, "
                            + totalSteps
                            + ")");
        }
        long step = fromStep;
        long end = fromStep + length;
        int i = offset;
        for (long warmupEnd = Math.min(end, warmupSteps); step < warmupEnd; step++, i++) {
            out[i] = warmupAt(step);
        }
        switch (family) {
            case EXPLICIT -> System.arraycopy(explicit, (int) step, out, i, (int) (end - step));
            case PIECEWISE_LINEAR, PIECEWISE_CONSTANT -> {
                int knot = knotAtOrBefore(step);
                for (; step < end; step++, i++) {
                    while (knot + 1 < knotSteps.length && knotSteps[knot + 1] <= step) {
                        knot++;
                    }
                    out[i] = piecewiseAt(knot, step);
                }
            }
            default -> {
                for (; step < end; step++, i++) {
                    out[i] = familyAt(step);
                }
            }
        }
    }

    private double warmupAt(long step) {
        double x = (double) step / warmupSteps;
        double ramp = cosineWarmup ? 0.5 * (1 - Math.cos(Math.PI * x)) : x;
        return warmupStart + (warmupTarget - warmupStart) * ramp;
    }

    /** The family's value at step >= W. */
    private double familyAt(long step) {
        return switch (family) {
            case CONSTANT -> peak;
            case COSINE ->
                    peak
                            - (peak - floor)
                                    * 0.5
                                    * (1
                                            - Math.cos(
                                                    Math.PI
                                                            * (step - warmupSteps)
                                                            / decaySpanAfterWarmup));
            case LINEAR -> peak - (peak - floor) * ((step - warmupSteps) / decaySpanAfterWarmup);
            case INVERSE_SQRT ->
                    peak * Math.sqrt(inverseSqrtScale / Math.max(step, inverseSqrtScale));
            // Integer division floors: the exponent counts whole step_size blocks since W.
            case STEP_DECAY ->
                    Math.max(floor, peak * Math.pow(gamma, (step - warmupSteps) / stepSize));
            case EXPONENTIAL -> Math.max(floor, peak * Math.pow(gamma, step - warmupSteps));
            case WSD -> wsdAt(step);
            case PIECEWISE_LINEAR, PIECEWISE_CONSTANT -> piecewiseAt(knotAtOrBefore(step), step);
            case EXPLICIT -> explicit[(int) step];
        };
    }

    private double wsdAt(long step) {
        if (step < decayStart) {
            return peak;
        }
        double f = (step - decayStart) / wsdDecaySpan;
        return switch (decayShape) {
            case DECAY_SHAPE_EXPONENTIAL -> peak * Math.pow(floor / peak, f);
            case DECAY_SHAPE_COSINE -> peak - (peak - floor) * 0.5 * (1 - Math.cos(Math.PI * f));
            case DECAY_SHAPE_ONE_MINUS_SQRT -> peak - (peak - floor) * Math.sqrt(f);
            default -> peak - (peak - floor) * f;
        };
    }

    /** The value at {@code step}, given the index of the last knot at or before it (-1 if none). */
    private double piecewiseAt(int knot, long step) {
        if (knot < 0) {
            return knotLrs[0];
        }
        if (family == Family.PIECEWISE_CONSTANT || knot == knotSteps.length - 1) {
            return knotLrs[knot];
        }
        double x = (double) (step - knotSteps[knot]) / (knotSteps[knot + 1] - knotSteps[knot]);
        return knotLrs[knot] + (knotLrs[knot + 1] - knotLrs[knot]) * x;
    }

    /** Index of the last knot whose step is at or before {@code step}, or -1. */
    private int knotAtOrBefore(long step) {
        int found = Arrays.binarySearch(knotSteps, step);
        return found >= 0 ? found : -found - 2;
    }

    /** D, the first step of a WSD decay: decay_start_step, or T - round(decay_fraction T). */
    static long wsdDecayStart(Schedule schedule) {
        double fraction = schedule.getWsd().getDecayFraction();
        return fraction != 0
                ? schedule.getTotalSteps() - Math.round(fraction * schedule.getTotalSteps())
                : schedule.getWsd().getDecayStartStep();
    }

    private static Family familyOf(Schedule schedule) {
        return switch (schedule.getFamilyCase()) {
            case CONSTANT -> Family.CONSTANT;
            case COSINE -> Family.COSINE;
            case LINEAR -> Family.LINEAR;
            case INVERSE_SQRT -> Family.INVERSE_SQRT;
            case STEP_DECAY -> Family.STEP_DECAY;
            case EXPONENTIAL -> Family.EXPONENTIAL;
            case WSD -> Family.WSD;
            case PIECEWISE_LINEAR -> Family.PIECEWISE_LINEAR;
            case PIECEWISE_CONSTANT -> Family.PIECEWISE_CONSTANT;
            case EXPLICIT -> Family.EXPLICIT;
            case FAMILY_NOT_SET -> throw new IllegalArgumentException("schedule has no family");
        };
    }
}
