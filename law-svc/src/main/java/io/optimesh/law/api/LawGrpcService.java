package io.optimesh.law.api;

import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.optimesh.core.grpc.FieldViolations;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.law.backtest.Backtest;
import io.optimesh.law.backtest.BacktestReport;
import io.optimesh.law.backtest.Calibration;
import io.optimesh.law.config.LawConfig;
import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.fit.HuberLoss;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.fit.Prediction;
import io.optimesh.law.model.LossLaw;
import io.optimesh.law.optlaws.OptLawsFit;
import io.optimesh.law.optlaws.OptLawsModel;
import io.optimesh.law.optlaws.ScheduleFeatures;
import io.optimesh.law.schedule.OptimizedSchedule;
import io.optimesh.law.schedule.ScheduleBounds;
import io.optimesh.law.schedule.ScheduleOptimizer;
import io.optimesh.v1.BacktestRequest;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.BacktestResponse;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FitLawResponse;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawServiceGrpc;
import io.optimesh.v1.OptimizeScheduleRequest;
import io.optimesh.v1.OptimizeScheduleResponse;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.PredictCurveResponse;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.RankSchedulesResponse;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.Schedule;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** optimesh.v1.LawService: translates requests with {@link LawMapping} and runs the domain's fits. */
@GrpcService
public class LawGrpcService extends LawServiceGrpc.LawServiceImplBase {

    static final String UNFITTABLE = "UNFITTABLE";

    /** Interval coverage when a request leaves it at 0, as the contract says. */
    static final double DEFAULT_CONFIDENCE = 0.9;

    private final LawMapping mapping;
    private final LawFitter fitter;
    private final Calibration calibration;
    private final ScheduleOptimizer optimizer = new ScheduleOptimizer();
    private final int starts;

    public LawGrpcService(LawConfig config) {
        this.mapping = new LawMapping(config.maxScheduleSteps());
        this.starts = config.fit().starts();
        this.fitter = new LawFitter(new LawFitter.Options(HuberLoss.PAPER, config.fit().starts(),
                config.fit().refined(), config.fit().maxEvaluations()));
        this.calibration = new Calibration(fitter);
    }

    @Override
    @Blocking
    public void fitLaw(FitLawRequest request, StreamObserver<FitLawResponse> responses) {
        answer(responses, () -> {
            if (request.getKind() == LawKind.LAW_KIND_OPT_LAWS) {
                List<OptLawsModel.Run> runs = mapping.runs(request.getCurvesList(), "curves");
                long start = System.nanoTime();
                OptLawsFit fit = fitOptLaws(runs, "curves");
                return FitLawResponse.newBuilder().setLaw(LawMapping.toProto(fit.model(), fit.quality(),
                        fit.backtest(), (System.nanoTime() - start) / 1e9)).build();
            }
            LossLaw law = LawMapping.law(request.getKind(), "kind");
            List<LossCurve> curves = mapping.curves(request.getCurvesList(), "curves");
            long start = System.nanoTime();
            FittedLaw fitted = fit(law, curves, "curves");
            double seconds = (System.nanoTime() - start) / 1e9;
            return FitLawResponse.newBuilder().setLaw(LawMapping.toProto(fitted, starts, seconds)).build();
        });
    }

    @Override
    @Blocking
    public void predictCurve(PredictCurveRequest request, StreamObserver<PredictCurveResponse> responses) {
        answer(responses, () -> {
            double confidence = request.getConfidence() == 0 ? DEFAULT_CONFIDENCE : request.getConfidence();
            if (request.getLaw().getKind() == LawKind.LAW_KIND_OPT_LAWS) {
                OptLawsModel model = LawMapping.optLawsFromProto(request.getLaw(), "law");
                double[] lrs = mapping.lrs(request.getSchedule(), "schedule");
                long last = lrs.length - 1;
                if (request.getStepsCount() > 1 || request.getStepsCount() == 1 && request.getSteps(0) != last) {
                    throw GrpcErrors.invalidArgument(LawMapping.INVALID_STEPS, List.of(LawMapping.violation("steps",
                            "LAW_KIND_OPT_LAWS predicts the final step only (" + last + "): leave steps empty")));
                }
                return PredictCurveResponse.newBuilder().addPoints(LawMapping.point(last, model.predict(
                        features(lrs, request.getModelParameters(), request.getTokensPerStep(), "schedule"),
                        confidence))).build();
            }
            FittedLaw law = LawMapping.fromProto(request.getLaw(), "law");
            double[] lrs = mapping.lrs(request.getSchedule(), "schedule");
            int[] steps = steps(request, lrs.length);
            Prediction prediction = predict(law, lrs, steps, confidence, "steps");
            PredictCurveResponse.Builder response = PredictCurveResponse.newBuilder();
            for (int i = 0; i < prediction.size(); i++) {
                response.addPoints(LawMapping.point(prediction, i));
            }
            return response.build();
        });
    }

    @Override
    @Blocking
    public void rankSchedules(RankSchedulesRequest request, StreamObserver<RankSchedulesResponse> responses) {
        answer(responses, () -> {
            boolean optLaws = request.getLaw().getKind() == LawKind.LAW_KIND_OPT_LAWS;
            FittedLaw law = optLaws ? null : LawMapping.fromProto(request.getLaw(), "law");
            OptLawsModel riskModel = optLaws ? LawMapping.optLawsFromProto(request.getLaw(), "law")
                    : request.hasRiskModel() ? riskModel(request.getRiskModel()) : null;
            FieldViolations problems = new FieldViolations();
            List<double[]> candidates = new ArrayList<>();
            for (int i = 0; i < request.getCandidatesCount(); i++) {
                candidates.add(mapping.lrs(request.getCandidates(i), "candidates[" + i + "]", problems));
            }
            problems.throwIfAny(LawMapping.INVALID_SCHEDULE);
            List<RankedSchedule> ranking = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                double[] lrs = candidates.get(i);
                String field = "candidates[" + i + "]";
                RankedSchedule.Builder ranked = RankedSchedule.newBuilder().setIndex(i);
                OptLawsModel.Estimate estimate = riskModel == null ? null : riskModel.predict(
                        features(lrs, request.getModelParameters(), request.getTokensPerStep(), field),
                        DEFAULT_CONFIDENCE);
                if (optLaws) {
                    ranked.setFinalLoss(LawMapping.point(lrs.length - 1, estimate));
                } else {
                    Prediction prediction = predict(law, lrs, new int[] {lrs.length - 1}, DEFAULT_CONFIDENCE, field);
                    ranked.setFinalLoss(LawMapping.point(prediction, 0));
                }
                ranking.add(ranked.setDivergenceRisk(estimate == null ? 0 : estimate.divergenceRisk()).build());
            }
            ranking.sort(Comparator.comparingDouble((RankedSchedule r) -> r.getFinalLoss().getLoss())
                    .thenComparingInt(RankedSchedule::getIndex));
            return RankSchedulesResponse.newBuilder().addAllRanking(ranking).build();
        });
    }

    @Override
    @Blocking
    public void optimizeSchedule(OptimizeScheduleRequest request,
            StreamObserver<OptimizeScheduleResponse> responses) {
        answer(responses, () -> {
            FittedLaw law = LawMapping.fromProto(request.getLaw(), "law");
            ScheduleBounds bounds = mapping.bounds(request, law);
            double confidence = request.getConfidence() == 0 ? DEFAULT_CONFIDENCE : request.getConfidence();
            OptimizedSchedule best = optimizer.optimize(law, bounds, confidence);
            int[] last = {bounds.totalSteps() - 1};
            Schedule cosine = LawMapping.baseline(bounds, Schedule.newBuilder().setCosine(CosineFamily.getDefaultInstance()));
            Schedule constant = LawMapping.baseline(bounds,
                    Schedule.newBuilder().setConstant(ConstantFamily.getDefaultInstance()));
            return OptimizeScheduleResponse.newBuilder()
                    .setSchedule(LawMapping.schedule(best))
                    .setFinalLoss(LawMapping.point(best.finalLoss(), 0))
                    .setCosineFinalLoss(LawMapping.point(
                            predict(law, mapping.lrs(cosine, "schedule"), last, confidence, "law"), 0))
                    .setConstantFinalLoss(LawMapping.point(
                            predict(law, mapping.lrs(constant, "schedule"), last, confidence, "law"), 0))
                    .setEvaluations(best.evaluations())
                    .build();
        });
    }

    @Override
    @Blocking
    public void backtest(BacktestRequest request, StreamObserver<BacktestResponse> responses) {
        answer(responses, () -> {
            double confidence = request.getConfidence() == 0 ? DEFAULT_CONFIDENCE : request.getConfidence();
            if (request.getKind() == LawKind.LAW_KIND_OPT_LAWS) {
                return backtestOptLaws(request, confidence);
            }
            LossLaw law = LawMapping.law(request.getKind(), "kind");
            List<LossCurve> fit = mapping.curves(request.getFitCurvesList(), "fit_curves");
            List<LossCurve> test = mapping.curves(request.getTestCurvesList(), "test_curves");
            long start = System.nanoTime();
            FittedLaw fitted = fit(law, fit, "fit_curves");
            double seconds = (System.nanoTime() - start) / 1e9;
            BacktestReport report;
            try {
                report = new Backtest(fitter, confidence).score(fitted,
                        fit.stream().map(LossCurve::name).toList(), test);
            } catch (IllegalArgumentException e) {
                throw GrpcErrors.invalidArgument(UNFITTABLE, List.of(LawMapping.violation("test_curves", e.getMessage())));
            }
            CurveError overall = report.overall();
            BacktestResponse.Builder response = BacktestResponse.newBuilder()
                    .setLaw(LawMapping.toProto(fitted, starts, seconds).toBuilder()
                            .setBacktestMeanRelativeError(overall.meanRelativeError())
                            .setBacktestWorstRelativeError(overall.worstRelativeError()))
                    .setMeanRelativeError(overall.meanRelativeError())
                    .setWorstRelativeError(overall.worstRelativeError())
                    .setIntervalCoverage(report.coverage());
            report.curves().forEach(c -> response.addCurves(LawMapping.curveError(c)));
            return response.build();
        });
    }

    /** Fits an Opt-Laws model on the fit curves and scores each test curve's final loss. */
    private BacktestResponse backtestOptLaws(BacktestRequest request, double confidence) {
        List<OptLawsModel.Run> fit = mapping.runs(request.getFitCurvesList(), "fit_curves");
        List<OptLawsModel.Run> test = mapping.runs(request.getTestCurvesList(), "test_curves");
        long start = System.nanoTime();
        OptLawsFit fitted = fitOptLaws(fit, "fit_curves");
        double seconds = (System.nanoTime() - start) / 1e9;
        List<CurveError> errors = new ArrayList<>();
        int inside = 0;
        for (int i = 0; i < test.size(); i++) {
            OptLawsModel.Run run = test.get(i);
            OptLawsModel.Estimate estimate = fitted.model().predict(run.features(), confidence);
            errors.add(CurveError.of(request.getTestCurves(i).getName(), new double[] {estimate.loss()},
                    new double[] {run.finalLoss()}));
            inside += estimate.lower() <= run.finalLoss() && run.finalLoss() <= estimate.upper() ? 1 : 0;
        }
        CurveError overall = CurveError.pooled("test set", errors);
        BacktestResponse.Builder response = BacktestResponse.newBuilder()
                .setLaw(LawMapping.toProto(fitted.model(), fitted.quality(), fitted.backtest(), seconds).toBuilder()
                        .setBacktestMeanRelativeError(overall.meanRelativeError())
                        .setBacktestWorstRelativeError(overall.worstRelativeError()))
                .setMeanRelativeError(overall.meanRelativeError())
                .setWorstRelativeError(overall.worstRelativeError())
                .setIntervalCoverage((double) inside / test.size());
        errors.forEach(c -> response.addCurves(LawMapping.curveError(c)));
        return response.build();
    }

    private static OptLawsFit fitOptLaws(List<OptLawsModel.Run> runs, String field) {
        try {
            return OptLawsFit.of(runs);
        } catch (IllegalArgumentException e) {
            throw GrpcErrors.invalidArgument(UNFITTABLE, List.of(LawMapping.violation(field, e.getMessage())));
        }
    }

    private static OptLawsModel riskModel(io.optimesh.v1.FittedLaw proto) {
        if (proto.getKind() != LawKind.LAW_KIND_OPT_LAWS) {
            throw GrpcErrors.invalidArgument(LawMapping.INVALID_LAW, List.of(LawMapping.violation("risk_model.kind",
                    "the risk model is a LAW_KIND_OPT_LAWS law, got " + proto.getKind())));
        }
        return LawMapping.optLawsFromProto(proto, "risk_model");
    }

    private static ScheduleFeatures features(double[] lrs, double parameters, double tokensPerStep, String field) {
        try {
            return ScheduleFeatures.of(lrs, parameters, tokensPerStep);
        } catch (IllegalArgumentException e) {
            throw GrpcErrors.invalidArgument(LawMapping.INVALID_SCHEDULE, List.of(LawMapping.violation(field,
                    e.getMessage())));
        }
    }

    private FittedLaw fit(LossLaw law, List<LossCurve> curves, String field) {
        try {
            return calibration.fit(law, curves);
        } catch (IllegalArgumentException e) {
            // Too few points for the law's parameters, or a law undefined at a logged step.
            throw GrpcErrors.invalidArgument(UNFITTABLE, List.of(LawMapping.violation(field, e.getMessage())));
        }
    }

    private static Prediction predict(FittedLaw law, double[] lrs, int[] steps, double confidence, String field) {
        try {
            return law.predict(lrs, steps, confidence);
        } catch (IllegalArgumentException e) {
            // A law undefined at a step, e.g. where the LR area is still 0.
            throw GrpcErrors.invalidArgument(LawMapping.INVALID_STEPS, List.of(LawMapping.violation(field, e.getMessage())));
        }
    }

    /** The requested steps, strictly increasing and inside the schedule; the final step if none. */
    private static int[] steps(PredictCurveRequest request, int totalSteps) {
        if (request.getStepsCount() == 0) {
            return new int[] {totalSteps - 1};
        }
        FieldViolations problems = new FieldViolations();
        int[] steps = new int[request.getStepsCount()];
        for (int i = 0; i < steps.length; i++) {
            long step = request.getSteps(i);
            if (step >= totalSteps) {
                problems.add("steps[" + i + "]", "step " + step + " lies beyond the schedule's last step "
                        + (totalSteps - 1));
            } else if (i > 0 && step <= request.getSteps(i - 1)) {
                problems.add("steps[" + i + "]", "step " + step + " does not come after the previous step "
                        + request.getSteps(i - 1));
            } else {
                steps[i] = (int) step;
            }
        }
        problems.throwIfAny(LawMapping.INVALID_STEPS);
        return steps;
    }

    private static <T> void answer(StreamObserver<T> responses, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (StatusRuntimeException e) {
            responses.onError(e);
            return;
        }
        responses.onNext(response);
        responses.onCompleted();
    }
}
