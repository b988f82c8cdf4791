package io.optimesh.law.api;

import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.FieldViolations;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.schedule.ScheduleChecks;
import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.core.schedule.ScheduleViolation;
import io.optimesh.law.curve.CurveValidationException;
import io.optimesh.law.curve.CurveViolation;
import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FitQuality;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.fit.Prediction;
import io.optimesh.law.model.LossLaw;
import io.optimesh.law.model.MomentumLaw;
import io.optimesh.law.model.MultiPowerLaw;
import io.optimesh.law.model.PowerLaw;
import io.optimesh.law.optlaws.OptLawsModel;
import io.optimesh.law.optlaws.ScheduleFeatures;
import io.optimesh.law.schedule.OptimizedSchedule;
import io.optimesh.law.schedule.ScheduleBounds;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawParameter;
import io.optimesh.v1.OptimizeScheduleRequest;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleConstraints;
import io.optimesh.v1.ScheduleKnot;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupShape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates between optimesh.v1 law messages and the domain ({@link LossCurve}, {@link LossLaw},
 * {@link FittedLaw}). Everything a request gets wrong that protovalidate cannot see is collected into
 * {@link FieldViolations} named by the request's field paths ({@code curves[1].points[7].step}), so a
 * client learns every problem at once.
 */
public final class LawMapping {

    // ErrorInfo reasons of the INVALID_ARGUMENT errors this service raises itself.
    static final String INVALID_CURVE = "INVALID_CURVE";
    static final String INVALID_SCHEDULE = "INVALID_SCHEDULE";
    static final String INVALID_LAW = "INVALID_LAW";
    static final String INVALID_STEPS = "INVALID_STEPS";
    static final String INVALID_CONSTRAINTS = "INVALID_CONSTRAINTS";
    static final String NOT_A_CURVE_LAW = "NOT_A_CURVE_LAW";

    /** Logged LRs are compared with the schedule's to this relative tolerance (8 significant digits). */
    private static final double LR_AGREEMENT = 1e-6;
    /**
     * Violations listed per curve: the details ride in the response trailers, which a gRPC client
     * accepts up to 8 KiB by default, so a curve logged backwards must not list every point.
     */
    private static final int LISTED = 10;

    private final long maxScheduleSteps;

    LawMapping(long maxScheduleSteps) {
        this.maxScheduleSteps = maxScheduleSteps;
    }

    /**
     * The curve law of a kind, with the domain's default settings.
     *
     * @param field the kind's field in the request, e.g. {@code law.kind}
     */
    static LossLaw law(LawKind kind, String field) {
        return switch (kind) {
            case LAW_KIND_POWER -> PowerLaw.ofLrArea();
            case LAW_KIND_MULTI_POWER -> new MultiPowerLaw();
            case LAW_KIND_MOMENTUM -> new MomentumLaw();
            case LAW_KIND_OPT_LAWS -> throw GrpcErrors.invalidArgument(NOT_A_CURVE_LAW, List.of(violation(field,
                    "LAW_KIND_OPT_LAWS predicts a run's final loss and divergence risk from its schedule, not a"
                            + " loss curve: use LAW_KIND_POWER, LAW_KIND_MULTI_POWER or LAW_KIND_MOMENTUM here")));
            // protovalidate refuses the rest before a request gets here.
            default -> throw GrpcErrors.invalidArgument(GrpcErrors.INVALID_ARGUMENT,
                    List.of(violation(field, "unknown law kind " + kind)));
        };
    }

    /**
     * Runs for an Opt-Laws fit: each curve's final logged loss, with the features of its schedule up to
     * that step (of the whole schedule for a run that diverged, whose plan is what was at risk).
     */
    List<OptLawsModel.Run> runs(List<LabeledCurve> curves, String field) {
        List<LossCurve> checked = curves(curves, field);
        List<OptLawsModel.Run> out = new ArrayList<>();
        FieldViolations problems = new FieldViolations();
        for (int c = 0; c < checked.size(); c++) {
            LossCurve curve = checked.get(c);
            LabeledCurve labeled = curves.get(c);
            double[] lrs = curve.lrs();
            double[] trained = labeled.getDiverged() ? lrs : java.util.Arrays.copyOf(lrs, curve.lastStep() + 1);
            try {
                out.add(new OptLawsModel.Run(ScheduleFeatures.of(trained, labeled.getModelParameters(),
                        labeled.getTokensPerStep()), curve.loss(curve.size() - 1), labeled.getDiverged()));
            } catch (IllegalArgumentException e) {
                problems.add(field + "[" + c + "].schedule", e.getMessage());
            }
        }
        problems.throwIfAny(INVALID_SCHEDULE);
        return out;
    }

    /** An Opt-Laws model as the contract carries it. */
    static io.optimesh.v1.FittedLaw toProto(OptLawsModel model, FitQuality quality, CurveError backtest,
            double seconds) {
        io.optimesh.v1.FittedLaw.Builder out = io.optimesh.v1.FittedLaw.newBuilder()
                .setKind(LawKind.LAW_KIND_OPT_LAWS)
                .setResidualLogSigma(model.sigma())
                .setIntervalScale(1);
        List<String> names = OptLawsModel.names();
        double[] values = model.values();
        double[][] loss = model.lossCovariance();
        for (int j = 0; j < values.length; j++) {
            double se = j < loss.length ? Math.sqrt(Math.max(loss[j][j], 0)) : 0;
            out.addParameters(LawParameter.newBuilder().setName(names.get(j)).setValue(values[j]).setStandardError(se));
        }
        for (int a = 0; a < values.length; a++) {
            for (int b = 0; b < values.length; b++) {
                out.addCovariance(a < loss.length && b < loss.length ? loss[a][b] : 0);
            }
        }
        out.setQuality(io.optimesh.v1.FitQuality.newBuilder()
                .setObjective(quality.huberObjective())
                .setRmse(quality.rmse())
                .setMeanRelativeError(quality.meanRelativeError())
                .setWorstRelativeError(quality.worstRelativeError())
                .setSeconds(seconds));
        if (backtest != null) {
            out.setBacktestMeanRelativeError(backtest.meanRelativeError())
                    .setBacktestWorstRelativeError(backtest.worstRelativeError());
        }
        return out.build();
    }

    static PredictedPoint point(long step, OptLawsModel.Estimate estimate) {
        return PredictedPoint.newBuilder().setStep(step).setLoss(estimate.loss()).setLower(estimate.lower())
                .setUpper(estimate.upper()).build();
    }

    static LawKind kind(LossLaw law) {
        if (law instanceof PowerLaw) {
            return LawKind.LAW_KIND_POWER;
        }
        if (law instanceof MultiPowerLaw) {
            return LawKind.LAW_KIND_MULTI_POWER;
        }
        if (law instanceof MomentumLaw) {
            return LawKind.LAW_KIND_MOMENTUM;
        }
        throw new IllegalArgumentException("no LawKind for law " + law.id());
    }

    /**
     * Domain curves of {@code curves}, each with the per-step LRs of its schedule.
     *
     * @param field the curves' field in the request, e.g. {@code fit_curves}
     * @throws StatusRuntimeException INVALID_ARGUMENT listing every problem of every curve
     */
    List<LossCurve> curves(List<LabeledCurve> curves, String field) {
        FieldViolations scheduleProblems = new FieldViolations();
        FieldViolations curveProblems = new FieldViolations();
        List<LossCurve> out = new ArrayList<>();
        for (int c = 0; c < curves.size(); c++) {
            String prefix = field + "[" + c + "]";
            LabeledCurve labeled = curves.get(c);
            double[] lrs = lrs(labeled.getSchedule(), prefix + ".schedule", scheduleProblems);
            LossCurve curve = lrs == null ? null : curve(labeled, lrs, prefix, curveProblems);
            if (curve != null) {
                out.add(curve);
            }
        }
        if (!scheduleProblems.isEmpty() || !curveProblems.isEmpty()) {
            List<com.google.rpc.BadRequest.FieldViolation> all = new ArrayList<>(scheduleProblems.list());
            all.addAll(curveProblems.list());
            throw GrpcErrors.invalidArgument(curveProblems.isEmpty() ? INVALID_SCHEDULE : INVALID_CURVE, all);
        }
        return out;
    }

    private static LossCurve curve(LabeledCurve labeled, double[] lrs, String prefix, FieldViolations problems) {
        int n = labeled.getPointsCount();
        int[] steps = new int[n];
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            CurvePoint point = labeled.getPoints(i);
            if (point.getStep() >= lrs.length) {
                // One violation for the whole tail: each would repeat the same fix.
                problems.add(prefix + ".points[" + i + "].step", "step " + point.getStep()
                        + (i + 1 < n ? " and the " + (n - i - 1) + " points after it lie" : " lies")
                        + " beyond the schedule, which covers steps 0.." + (lrs.length - 1)
                        + ": schedule.total_steps must exceed the last logged step");
                return null;
            }
            steps[i] = (int) point.getStep();
            losses[i] = point.getLoss();
        }
        LossCurve curve;
        try {
            curve = LossCurve.of(labeled.getName(), steps, losses, lrs);
        } catch (CurveValidationException e) {
            List<CurveViolation> violations = e.violations();
            violations.stream().limit(LISTED).forEach(v -> problems.add(path(prefix, v), v.description()));
            if (violations.size() > LISTED) {
                problems.add(prefix + ".points", "and " + (violations.size() - LISTED) + " more problems");
            }
            return null;
        }
        int mismatches = 0;
        for (int i = 0; i < n; i++) {
            double logged = labeled.getPoints(i).getLearningRate();
            double expected = lrs[steps[i]];
            // 0 means the point did not log its LR.
            if (logged != 0 && Math.abs(logged - expected) > LR_AGREEMENT * Math.max(Math.abs(logged), Math.abs(expected))
                    && mismatches++ < LISTED) {
                problems.add(prefix + ".points[" + i + "].learning_rate", "logged learning rate " + logged
                        + " at step " + steps[i] + " disagrees with the schedule's " + expected);
            }
        }
        if (mismatches > LISTED) {
            problems.add(prefix + ".points", "and " + (mismatches - LISTED) + " more logged learning rates"
                    + " that disagree with the schedule");
        }
        return mismatches == 0 ? curve : null;
    }

    private static String path(String prefix, CurveViolation v) {
        return switch (v.field()) {
            case "steps" -> v.index() >= 0 ? prefix + ".points[" + v.index() + "].step" : prefix + ".points";
            case "losses" -> v.index() >= 0 ? prefix + ".points[" + v.index() + "].loss" : prefix + ".points";
            case "lrs" -> v.index() >= 0 ? prefix + ".schedule" : prefix + ".schedule.total_steps";
            default -> prefix + ".points";
        };
    }

    /** The per-step LRs of a schedule, or {@code null} with its problems recorded under {@code field}. */
    double[] lrs(Schedule schedule, String field, FieldViolations problems) {
        List<ScheduleViolation> violations = ScheduleChecks.violations(schedule, field);
        for (ScheduleViolation v : violations) {
            problems.add(v.field(), v.description());
        }
        if (!violations.isEmpty()) {
            return null;
        }
        if (schedule.getTotalSteps() > maxScheduleSteps) {
            problems.add(field + ".total_steps", "at most " + maxScheduleSteps + " steps are served, got "
                    + schedule.getTotalSteps());
            return null;
        }
        return ScheduleEvaluator.evaluate(schedule);
    }

    /** The per-step LRs of a request's schedule; INVALID_ARGUMENT if it cannot be evaluated. */
    double[] lrs(Schedule schedule, String field) {
        FieldViolations problems = new FieldViolations();
        double[] lrs = lrs(schedule, field, problems);
        problems.throwIfAny(INVALID_SCHEDULE);
        return lrs;
    }

    /** The LR floor of an optimised schedule when a request names none, as a share of the peak bound. */
    static final double DEFAULT_FLOOR_SHARE = 0.1;
    /** The bound on the annealing share of an optimised schedule when a request names none. */
    static final double DEFAULT_MAX_DECAY_FRACTION = 0.5;

    /**
     * The bounds of an OptimizeSchedule request, defaults filled in from the law: the peak bound is the
     * law's largest fitted LR unless the request names a lower one.
     */
    ScheduleBounds bounds(OptimizeScheduleRequest request, FittedLaw law) {
        FieldViolations problems = new FieldViolations();
        ScheduleConstraints c = request.getConstraints();
        long total = request.getTotalSteps();
        if (total > Math.min(maxScheduleSteps, Integer.MAX_VALUE)) {
            problems.add("total_steps", "at most " + Math.min(maxScheduleSteps, Integer.MAX_VALUE)
                    + " steps are served, got " + total);
        }
        double peak = c.getMaxPeakLr();
        double fitted = law.maxFitLr();
        if (peak == 0 && fitted == 0) {
            problems.add("constraints.max_peak_lr", "the law does not record the LRs it was fitted on"
                    + " (law.max_fit_lr is 0): name the largest LR the schedule may use");
        } else if (peak == 0) {
            peak = fitted;
        } else if (fitted > 0 && peak > fitted * (1 + LR_AGREEMENT)) {
            problems.add("constraints.max_peak_lr", "the law was fitted on LRs up to " + fitted
                    + " and says nothing about larger ones; got " + peak);
        }
        double floor = c.getMinFinalLr() == 0 ? DEFAULT_FLOOR_SHARE * peak : c.getMinFinalLr();
        if (peak > 0 && floor > peak) {
            problems.add("constraints.min_final_lr", "the floor " + floor + " exceeds the peak bound " + peak);
        }
        if (c.getWarmupSteps() >= total - 1) {
            problems.add("constraints.warmup_steps", "warmup of " + c.getWarmupSteps()
                    + " steps leaves no steps of the budget of " + total + " after it");
        }
        problems.throwIfAny(INVALID_CONSTRAINTS);
        double decay = c.getMaxDecayFraction() == 0 ? DEFAULT_MAX_DECAY_FRACTION : c.getMaxDecayFraction();
        return new ScheduleBounds((int) total, (int) c.getWarmupSteps(), Math.min(peak, fitted > 0 ? fitted : peak),
                floor, decay);
    }

    /** An optimised schedule as the contract carries it: linear warmup, then piecewise-linear knots. */
    static Schedule schedule(OptimizedSchedule best) {
        Schedule.Builder out = Schedule.newBuilder()
                .setTotalSteps(best.lrs().length)
                .setPeakLr(best.peakLr())
                .setMinLr(best.finalLr());
        if (best.warmupSteps() > 0) {
            out.setWarmup(Warmup.newBuilder().setSteps(best.warmupSteps()).setShape(WarmupShape.WARMUP_SHAPE_LINEAR));
        }
        PiecewiseLinearFamily.Builder knots = PiecewiseLinearFamily.newBuilder();
        for (OptimizedSchedule.Knot knot : best.knots()) {
            knots.addKnots(ScheduleKnot.newBuilder().setStep(knot.step()).setLr(knot.lr()));
        }
        return out.setPiecewiseLinear(knots).build();
    }

    /** A family under the same bounds as an optimised schedule: peak, floor and warmup. */
    static Schedule baseline(ScheduleBounds bounds, Schedule.Builder family) {
        family.setTotalSteps(bounds.totalSteps()).setPeakLr(bounds.maxPeakLr()).setMinLr(bounds.minLr());
        if (bounds.warmupSteps() > 0) {
            family.setWarmup(Warmup.newBuilder().setSteps(bounds.warmupSteps()).setShape(WarmupShape.WARMUP_SHAPE_LINEAR));
        }
        return family.build();
    }

    /** A fitted law as the contract carries it. */
    public static io.optimesh.v1.FittedLaw toProto(FittedLaw law, int starts, double seconds) {
        io.optimesh.v1.FittedLaw.Builder out = io.optimesh.v1.FittedLaw.newBuilder()
                .setKind(kind(law.law()))
                .setResidualLogSigma(law.noise())
                .setIntervalScale(law.intervalScale())
                .setMaxFitLr(law.maxFitLr());
        if (law.backtest() != null) {
            out.setBacktestMeanRelativeError(law.backtest().meanRelativeError())
                    .setBacktestWorstRelativeError(law.backtest().worstRelativeError());
        }
        double[] values = law.values();
        double[] errors = law.standardErrors();
        for (int j = 0; j < values.length; j++) {
            out.addParameters(LawParameter.newBuilder().setName(law.parameterNames().get(j)).setValue(values[j])
                    .setStandardError(errors[j]));
        }
        for (double[] row : law.covariance()) {
            for (double v : row) {
                out.addCovariance(v);
            }
        }
        FitQuality quality = law.quality();
        if (quality != null) {
            out.setQuality(io.optimesh.v1.FitQuality.newBuilder()
                    .setObjective(quality.huberObjective())
                    .setRmse(quality.rmse())
                    .setMeanRelativeError(quality.meanRelativeError())
                    .setWorstRelativeError(quality.worstRelativeError())
                    .setStarts(starts)
                    .setEvaluations(quality.evaluations())
                    .setSeconds(seconds));
        }
        return out.build();
    }

    /**
     * The domain law of a contract one: parameters matched by name (any order), covariance empty or
     * p x p.
     *
     * @param field the law's field in the request, e.g. {@code law}
     */
    static FittedLaw fromProto(io.optimesh.v1.FittedLaw proto, String field) {
        LossLaw law = law(proto.getKind(), field + ".kind");
        Parsed parsed = parse(proto, law.parameters(1).stream().map(io.optimesh.law.model.Parameter::name).toList(),
                field);
        double scale = proto.getIntervalScale() == 0 ? 1 : proto.getIntervalScale();
        return FittedLaw.of(law, parsed.values, parsed.covariance, parsed.sigma).calibrated(scale, null)
                .withMaxFitLr(proto.getMaxFitLr());
    }

    /** An Opt-Laws model of a contract law of kind LAW_KIND_OPT_LAWS, read as {@link #fromProto} reads. */
    static OptLawsModel optLawsFromProto(io.optimesh.v1.FittedLaw proto, String field) {
        Parsed parsed = parse(proto, OptLawsModel.names(), field);
        int p = ScheduleFeatures.LOSS.length + 1;
        double[][] loss = new double[p][p];
        for (int a = 0; a < p; a++) {
            System.arraycopy(parsed.covariance[a], 0, loss[a], 0, p);
        }
        return OptLawsModel.of(parsed.values, loss, parsed.sigma);
    }

    private record Parsed(double[] values, double[][] covariance, double sigma) {
    }

    private static Parsed parse(io.optimesh.v1.FittedLaw proto, List<String> names, String field) {
        int p = names.size();
        FieldViolations problems = new FieldViolations();
        Map<String, Integer> given = new HashMap<>();
        double[] values = new double[p];
        for (int i = 0; i < proto.getParametersCount(); i++) {
            LawParameter parameter = proto.getParameters(i);
            String where = field + ".parameters[" + i + "]";
            int j = names.indexOf(parameter.getName());
            if (j < 0) {
                problems.add(where + ".name", proto.getKind() + " has no parameter '" + parameter.getName()
                        + "' (its parameters are " + String.join(", ", names) + ")");
            } else if (given.putIfAbsent(parameter.getName(), i) != null) {
                problems.add(where + ".name", "parameter " + parameter.getName() + " is given twice");
            } else if (!Double.isFinite(parameter.getValue())) {
                problems.add(where + ".value", "must be finite, got " + parameter.getValue());
            } else {
                values[j] = parameter.getValue();
            }
        }
        List<String> missing = names.stream().filter(n -> !given.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            problems.add(field + ".parameters", proto.getKind() + " needs " + String.join(", ", names)
                    + "; missing " + String.join(", ", missing));
        }
        int entries = proto.getCovarianceCount();
        if (entries != 0 && entries != p * p) {
            problems.add(field + ".covariance", "must be empty or hold " + p + " x " + p + " = " + p * p
                    + " values in row-major order, got " + entries);
        }
        for (int k = 0; k < entries; k++) {
            if (!Double.isFinite(proto.getCovariance(k))) {
                problems.add(field + ".covariance[" + k + "]", "must be finite, got " + proto.getCovariance(k));
            }
        }
        double sigma = proto.getResidualLogSigma();
        if (!(sigma >= 0 && Double.isFinite(sigma))) {
            problems.add(field + ".residual_log_sigma", "must be a non-negative finite number, got " + sigma);
        }
        problems.throwIfAny(INVALID_LAW);
        double[][] covariance = new double[p][p];
        if (entries == p * p) {
            // Rows follow the law's parameter order; the request's may differ, so permute by name.
            int[] order = new int[p];
            for (int j = 0; j < p; j++) {
                order[j] = given.get(names.get(j));
            }
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    covariance[a][b] = proto.getCovariance(order[a] * p + order[b]);
                }
            }
        }
        return new Parsed(values, covariance, sigma);
    }

    public static PredictedPoint point(Prediction prediction, int i) {
        return PredictedPoint.newBuilder()
                .setStep(prediction.steps()[i])
                .setLoss(prediction.losses()[i])
                .setLower(prediction.lower()[i])
                .setUpper(prediction.upper()[i])
                .build();
    }

    static io.optimesh.v1.CurveError curveError(CurveError error) {
        return io.optimesh.v1.CurveError.newBuilder()
                .setName(error.name())
                .setMeanRelativeError(error.meanRelativeError())
                .setWorstRelativeError(error.worstRelativeError())
                .setPoints(error.points())
                .build();
    }

    static com.google.rpc.BadRequest.FieldViolation violation(String field, String description) {
        return com.google.rpc.BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description).build();
    }
}
