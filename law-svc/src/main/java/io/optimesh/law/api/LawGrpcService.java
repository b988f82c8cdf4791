package io.optimesh.law.api;

import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.optimesh.core.grpc.FieldViolations;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.law.backtest.Backtest;
import io.optimesh.law.backtest.BacktestReport;
import io.optimesh.law.config.LawConfig;
import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.fit.HuberLoss;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.fit.Prediction;
import io.optimesh.law.model.LossLaw;
import io.optimesh.v1.BacktestRequest;
import io.optimesh.v1.BacktestResponse;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FitLawResponse;
import io.optimesh.v1.LawServiceGrpc;
import io.optimesh.v1.OptimizeScheduleRequest;
import io.optimesh.v1.OptimizeScheduleResponse;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.PredictCurveResponse;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.RankSchedulesResponse;
import io.optimesh.v1.RankedSchedule;
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
    static final String SCHEDULE_OPTIMIZATION_NOT_SERVED = "SCHEDULE_OPTIMIZATION_NOT_SERVED";

    /** Interval coverage when a request leaves it at 0, as the contract says. */
    static final double DEFAULT_CONFIDENCE = 0.9;

    private final LawMapping mapping;
    private final LawFitter fitter;
    private final int starts;

    public LawGrpcService(LawConfig config) {
        this.mapping = new LawMapping(config.maxScheduleSteps());
        this.starts = config.fit().starts();
        this.fitter = new LawFitter(new LawFitter.Options(HuberLoss.PAPER, config.fit().starts(),
                config.fit().refined(), config.fit().maxEvaluations()));
    }

    @Override
    @Blocking
    public void fitLaw(FitLawRequest request, StreamObserver<FitLawResponse> responses) {
        answer(responses, () -> {
            LossLaw law = LawMapping.law(request.getKind());
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
            FittedLaw law = LawMapping.fromProto(request.getLaw(), "law");
            double[] lrs = mapping.lrs(request.getSchedule(), "schedule");
            int[] steps = steps(request, lrs.length);
            double confidence = request.getConfidence() == 0 ? DEFAULT_CONFIDENCE : request.getConfidence();
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
            FittedLaw law = LawMapping.fromProto(request.getLaw(), "law");
            FieldViolations problems = new FieldViolations();
            List<double[]> candidates = new ArrayList<>();
            for (int i = 0; i < request.getCandidatesCount(); i++) {
                candidates.add(mapping.lrs(request.getCandidates(i), "candidates[" + i + "]", problems));
            }
            problems.throwIfAny(LawMapping.INVALID_SCHEDULE);
            List<RankedSchedule> ranking = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                double[] lrs = candidates.get(i);
                Prediction prediction = predict(law, lrs, new int[] {lrs.length - 1}, DEFAULT_CONFIDENCE,
                        "candidates[" + i + "]");
                // divergence_risk stays 0: the risk classifier comes with issue 6.
                ranking.add(RankedSchedule.newBuilder().setIndex(i).setFinalLoss(LawMapping.point(prediction, 0))
                        .build());
            }
            ranking.sort(Comparator.comparingDouble((RankedSchedule r) -> r.getFinalLoss().getLoss())
                    .thenComparingInt(RankedSchedule::getIndex));
            return RankSchedulesResponse.newBuilder().addAllRanking(ranking).build();
        });
    }

    @Override
    public void optimizeSchedule(OptimizeScheduleRequest request,
            StreamObserver<OptimizeScheduleResponse> responses) {
        responses.onError(GrpcErrors.error(Code.UNIMPLEMENTED, SCHEDULE_OPTIMIZATION_NOT_SERVED,
                "OptimizeSchedule is not served yet: constrained schedule optimisation comes with issue 6;"
                        + " meanwhile RankSchedules orders candidate schedules by predicted final loss",
                Map.of("method", "OptimizeSchedule")));
    }

    @Override
    @Blocking
    public void backtest(BacktestRequest request, StreamObserver<BacktestResponse> responses) {
        answer(responses, () -> {
            LossLaw law = LawMapping.law(request.getKind());
            List<LossCurve> fit = mapping.curves(request.getFitCurvesList(), "fit_curves");
            List<LossCurve> test = mapping.curves(request.getTestCurvesList(), "test_curves");
            long start = System.nanoTime();
            FittedLaw fitted = fit(law, fit, "fit_curves");
            double seconds = (System.nanoTime() - start) / 1e9;
            BacktestReport report;
            try {
                report = new Backtest(fitter, DEFAULT_CONFIDENCE).score(fitted,
                        fit.stream().map(LossCurve::name).toList(), test);
            } catch (IllegalArgumentException e) {
                throw GrpcErrors.invalidArgument(UNFITTABLE, List.of(LawMapping.violation("test_curves", e.getMessage())));
            }
            CurveError overall = report.overall();
            BacktestResponse.Builder response = BacktestResponse.newBuilder()
                    .setLaw(LawMapping.toProto(fitted, starts, seconds).toBuilder()
                            .setBacktestMeanRelativeError(overall.meanRelativeError()))
                    .setMeanRelativeError(overall.meanRelativeError())
                    .setWorstRelativeError(overall.worstRelativeError());
            report.curves().forEach(c -> response.addCurves(LawMapping.curveError(c)));
            return response.build();
        });
    }

    private FittedLaw fit(LossLaw law, List<LossCurve> curves, String field) {
        try {
            return fitter.fit(law, curves);
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
