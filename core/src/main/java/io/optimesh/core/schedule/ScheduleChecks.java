package io.optimesh.core.schedule;

import io.optimesh.v1.DecayShape;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleKnot;
import io.optimesh.v1.WarmupShape;
import io.optimesh.v1.WarmupStableDecayFamily;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The checks on a {@link Schedule} that its protovalidate rules cannot express: knots in strictly
 * increasing step order, a WSD decay that starts inside [warmup, total), an exponential WSD decay
 * with a positive floor, and learning rates that stay finite and non-negative at every step.
 *
 * <p>It also repeats the few declared rules the evaluator cannot do without (a family, a positive
 * total, warmup shorter than the total, an explicit list of total_steps values, a positive
 * step_size, one WSD decay start, known enum values), so that code which builds schedules
 * in-process gets the same guarantee as a gRPC request: no violations means {@link
 * ScheduleEvaluator#of} succeeds and every value is finite and &gt;= 0.
 */
public final class ScheduleChecks {

    private ScheduleChecks() {}

    /**
     * Every problem found, as field violations.
     *
     * @param fieldPrefix the path of the schedule inside its request, e.g. {@code "schedule"} or
     *     {@code "candidates[2]"}; empty when the schedule is the message itself
     */
    public static List<ScheduleViolation> violations(Schedule schedule, String fieldPrefix) {
        Paths paths = new Paths(fieldPrefix);
        List<ScheduleViolation> found = structuralViolations(schedule, fieldPrefix);
        if (found.isEmpty()) {
            valueViolation(schedule, paths).ifPresent(found::add);
        }
        return List.copyOf(found);
    }

    /** Problems that keep the evaluator from giving one well-defined answer. */
    static List<ScheduleViolation> structuralViolations(Schedule schedule, String fieldPrefix) {
        Paths paths = new Paths(fieldPrefix);
        List<ScheduleViolation> found = new ArrayList<>();
        long total = schedule.getTotalSteps();
        if (total <= 0) {
            found.add(paths.violation("total_steps", "must be positive, got " + total));
            return found;
        }
        if (schedule.getFamilyCase() == Schedule.FamilyCase.FAMILY_NOT_SET) {
            found.add(paths.violation("family", "a schedule family is required"));
            return found;
        }
        long warmup = schedule.getWarmup().getSteps();
        if (warmup < 0 || warmup >= total) {
            found.add(
                    paths.violation(
                            "warmup.steps",
                            "must be in [0, total_steps) = [0, " + total + "), got " + warmup));
        }
        if (schedule.getWarmup().getShape() == WarmupShape.UNRECOGNIZED) {
            found.add(paths.violation("warmup.shape", "unknown warmup shape"));
        }
        switch (schedule.getFamilyCase()) {
            case STEP_DECAY -> {
                long stepSize = schedule.getStepDecay().getStepSize();
                if (stepSize <= 0) {
                    found.add(
                            paths.violation(
                                    "step_decay.step_size", "must be positive, got " + stepSize));
                }
            }
            case WSD -> {
                if (warmup >= 0 && warmup < total) {
                    checkWsd(schedule, paths, found);
                }
            }
            case PIECEWISE_LINEAR ->
                    checkKnots(
                            schedule.getPiecewiseLinear().getKnotsList(),
                            "piecewise_linear.knots",
                            paths,
                            found);
            case PIECEWISE_CONSTANT ->
                    checkKnots(
                            schedule.getPiecewiseConstant().getStagesList(),
                            "piecewise_constant.stages",
                            paths,
                            found);
            case EXPLICIT -> {
                int count = schedule.getExplicit().getLrsCount();
                if (count != total) {
                    found.add(
                            paths.violation(
                                    "explicit.lrs",
                                    "must hold exactly total_steps = "
                                            + total
                                            + " values, got "
                                            + count));
                }
                if (warmup != 0) {
                    found.add(
                            paths.violation(
                                    "warmup.steps",
                                    "an explicit schedule already holds its warmup: leave it 0"));
                }
            }
            default -> {
                // The other families are defined for every validated parameter value.
            }
        }
        return found;
    }

    private static void checkWsd(Schedule schedule, Paths paths, List<ScheduleViolation> found) {
        WarmupStableDecayFamily wsd = schedule.getWsd();
        boolean byFraction = wsd.getDecayFraction() != 0;
        boolean byStep = wsd.getDecayStartStep() != 0;
        if (byFraction && byStep) {
            found.add(paths.violation("wsd", "set decay_fraction or decay_start_step, not both"));
            return;
        }
        if (wsd.getDecayShape() == DecayShape.UNRECOGNIZED) {
            found.add(paths.violation("wsd.decay_shape", "unknown decay shape"));
        }
        long total = schedule.getTotalSteps();
        long warmup = schedule.getWarmup().getSteps();
        long start = ScheduleEvaluator.wsdDecayStart(schedule);
        if (start < warmup || start >= total) {
            String field = byFraction ? "wsd.decay_fraction" : "wsd.decay_start_step";
            String how =
                    byFraction
                            ? "decay_fraction "
                                    + wsd.getDecayFraction()
                                    + " starts the decay at step "
                                    + start
                            : "the decay starts at step " + start;
            found.add(
                    paths.violation(
                            field,
                            how
                                    + ", outside [warmup.steps, total_steps) = ["
                                    + warmup
                                    + ", "
                                    + total
                                    + ")"));
        }
        if (wsd.getDecayShape() == DecayShape.DECAY_SHAPE_EXPONENTIAL
                && !(schedule.getMinLr() > 0)) {
            found.add(
                    paths.violation(
                            "min_lr",
                            "an exponential WSD decay P^(1-f) F^f needs min_lr > 0, got "
                                    + schedule.getMinLr()));
        }
    }

    private static void checkKnots(
            List<ScheduleKnot> knots, String field, Paths paths, List<ScheduleViolation> found) {
        if (knots.isEmpty()) {
            found.add(paths.violation(field, "needs at least one knot"));
            return;
        }
        for (int i = 1; i < knots.size(); i++) {
            long previous = knots.get(i - 1).getStep();
            long step = knots.get(i).getStep();
            if (step <= previous) {
                found.add(
                        paths.violation(
                                field + "[" + i + "].step",
                                "knots must be in strictly increasing step order: "
                                        + step
                                        + " follows "
                                        + previous));
            }
        }
    }

    /**
     * The first step whose learning rate is negative or not finite. With parameters in their
     * declared ranges every family is monotone between its breakpoints (warmup end, decay start,
     * knots), so its extremes lie at the first and last step of each piece: checking those is exact
     * and costs O(knots), not O(total_steps).
     */
    private static Optional<ScheduleViolation> valueViolation(Schedule schedule, Paths paths) {
        String familyField =
                Schedule.getDescriptor()
                        .findFieldByNumber(schedule.getFamilyCase().getNumber())
                        .getName();
        if (schedule.getFamilyCase() == Schedule.FamilyCase.EXPLICIT) {
            for (int i = 0; i < schedule.getExplicit().getLrsCount(); i++) {
                double lr = schedule.getExplicit().getLrs(i);
                if (!isValidLr(lr)) {
                    return Optional.of(paths.violation("explicit.lrs[" + i + "]", badValue(i, lr)));
                }
            }
            return Optional.empty();
        }
        ScheduleEvaluator evaluator = ScheduleEvaluator.ofChecked(schedule);
        long total = schedule.getTotalSteps();
        long warmup = evaluator.warmupSteps();
        TreeSet<Long> steps = new TreeSet<>();
        for (long step : new long[] {0, warmup - 1, warmup, total - 1}) {
            steps.add(step);
        }
        switch (schedule.getFamilyCase()) {
            case WSD -> addPieceStart(ScheduleEvaluator.wsdDecayStart(schedule), steps);
            case PIECEWISE_LINEAR ->
                    schedule.getPiecewiseLinear()
                            .getKnotsList()
                            .forEach(k -> addPieceStart(k.getStep(), steps));
            case PIECEWISE_CONSTANT ->
                    schedule.getPiecewiseConstant()
                            .getStagesList()
                            .forEach(k -> addPieceStart(k.getStep(), steps));
            default -> {
                // One monotone piece from W to T-1.
            }
        }
        for (long step : steps.subSet(0L, total)) {
            double lr = evaluator.at(step);
            if (!isValidLr(lr)) {
                return Optional.of(
                        paths.violation(
                                step < warmup ? "warmup" : familyField, badValue(step, lr)));
            }
        }
        return Optional.empty();
    }

    /** A piece starting at {@code step} and the one ending just before it. */
    private static void addPieceStart(long step, TreeSet<Long> steps) {
        steps.add(step - 1);
        steps.add(step);
    }

    private static boolean isValidLr(double lr) {
        return lr >= 0 && lr < Double.POSITIVE_INFINITY;
    }

    private static String badValue(long step, double lr) {
        return "the learning rate at step "
                + step
                + " would be "
                + lr
                + "; every step's learning rate must be finite and >= 0";
    }

    /** Joins field names onto the schedule's own path. */
    private record Paths(String prefix) {
        ScheduleViolation violation(String field, String description) {
            return new ScheduleViolation(
                    prefix.isEmpty() ? field : prefix + "." + field, description);
        }
    }
}
