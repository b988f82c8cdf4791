package io.optimesh.law.api;

import io.optimesh.core.testing.TestChannels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import com.google.rpc.BadRequest.FieldViolation;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.law.curve.CurveCsvReader;
import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.curve.TestData;
import io.optimesh.v1.BacktestRequest;
import io.optimesh.v1.BacktestResponse;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawParameter;
import io.optimesh.v1.LawServiceGrpc;
import io.optimesh.v1.LawServiceGrpc.LawServiceBlockingStub;
import io.optimesh.v1.OptimizeScheduleRequest;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.PredictCurveResponse;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.RankSchedulesResponse;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleKnot;
import io.optimesh.v1.Warmup;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class LawGrpcServiceTest {

    /** L0, A, alpha of the synthetic power-law curve. */
    private static final double[] TRUTH = {2.2, 0.8, 0.35};

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private LawServiceBlockingStub laws;

    @BeforeEach
    void connect() {
        channel = TestChannels.open(root);
        laws = LawServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    /** 20000 steps, 1000 of linear warmup to 1e-3, cosine to 1e-4. */
    private static Schedule cosine(long totalSteps) {
        return Schedule.newBuilder().setTotalSteps(totalSteps).setPeakLr(1e-3).setMinLr(1e-4)
                .setWarmup(Warmup.newBuilder().setSteps(1000)).setCosine(CosineFamily.getDefaultInstance()).build();
    }

    /** Exact L0 + A area^-alpha at steps 500, 1000, ..., 19500 of {@link #cosine}. */
    private static LabeledCurve powerLawCurve() {
        Schedule schedule = cosine(20_000);
        double[] lrs = ScheduleEvaluator.evaluate(schedule);
        LabeledCurve.Builder curve = LabeledCurve.newBuilder().setName("synthetic").setSchedule(schedule);
        double area = 0;
        for (int s = 0; s < 20_000; s++) {
            area += lrs[s];
            if (s >= 500 && s % 500 == 0) {
                double loss = TRUTH[0] + TRUTH[1] * Math.pow(area, -TRUTH[2]);
                curve.addPoints(CurvePoint.newBuilder().setStep(s).setLoss(loss).setLearningRate(lrs[s]));
            }
        }
        return curve.build();
    }

    /** A curve read by the domain's CSV reader, its exact per-step LRs sent as an explicit schedule. */
    private static LabeledCurve labeled(LossCurve curve) {
        double[] lrs = curve.lrs();
        Schedule.Builder schedule = Schedule.newBuilder().setTotalSteps(lrs.length);
        ExplicitFamily.Builder explicit = ExplicitFamily.newBuilder();
        for (double lr : lrs) {
            explicit.addLrs(lr);
        }
        LabeledCurve.Builder out = LabeledCurve.newBuilder().setName(curve.name())
                .setSchedule(schedule.setExplicit(explicit));
        for (int i = 0; i < curve.size(); i++) {
            out.addPoints(CurvePoint.newBuilder().setStep(curve.step(i)).setLoss(curve.loss(i))
                    .setLearningRate(lrs[curve.step(i)]));
        }
        return out.build();
    }

    private static List<LossCurve> mpl400() {
        return CurveCsvReader.readDirectory(Path.of(TestData.MPL_CURVES, "400"));
    }

    private static double parameter(FittedLaw law, String name) {
        return law.getParametersList().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow()
                .getValue();
    }

    @Test
    void fitsAPowerLawAndRecoversItsParameters() {
        FittedLaw law = laws.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(powerLawCurve()).build()).getLaw();

        assertThat(law.getKind()).isEqualTo(LawKind.LAW_KIND_POWER);
        assertThat(law.getParametersList()).extracting(LawParameter::getName).containsExactly("L0", "A", "alpha");
        assertThat(parameter(law, "L0")).isCloseTo(TRUTH[0], within(1e-6));
        assertThat(parameter(law, "A")).isCloseTo(TRUTH[1], within(1e-6 * TRUTH[1]));
        assertThat(parameter(law, "alpha")).isCloseTo(TRUTH[2], within(1e-6));
        assertThat(law.getCovarianceCount()).isEqualTo(9);
        assertThat(law.getQuality().getWorstRelativeError()).isLessThan(1e-9);
        assertThat(law.getQuality().getStarts()).isPositive();
        assertThat(law.getQuality().getEvaluations()).isGreaterThan(law.getQuality().getStarts());
        assertThat(law.getQuality().getSeconds()).isPositive();
    }

    @Test
    void predictsACurveFromAFittedLawAndASchedule() {
        FittedLaw law = laws.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(powerLawCurve()).build()).getLaw();

        // A longer run of the same shape: the law extrapolates from its LR area alone.
        Schedule longer = cosine(40_000);
        PredictCurveResponse response = laws.predictCurve(PredictCurveRequest.newBuilder().setLaw(law)
                .setSchedule(longer).build());

        double[] lrs = ScheduleEvaluator.evaluate(longer);
        double area = Arrays.stream(lrs).sum();
        assertThat(response.getPointsList()).singleElement().satisfies(p -> {
            assertThat(p.getStep()).isEqualTo(39_999);
            assertThat(p.getLoss()).isCloseTo(TRUTH[0] + TRUTH[1] * Math.pow(area, -TRUTH[2]), within(1e-6));
            assertThat(p.getLower()).isLessThanOrEqualTo(p.getLoss());
            assertThat(p.getUpper()).isGreaterThanOrEqualTo(p.getLoss());
        });
    }

    @Test
    void readsALawWhoseParametersComeInAnotherOrder() {
        FittedLaw law = laws.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(powerLawCurve()).build()).getLaw();
        // Fake a covariance with distinct entries, so that a wrong permutation shows in the intervals.
        double[] covariance = {4e-6, 1e-6, 2e-6, 1e-6, 9e-6, 3e-6, 2e-6, 3e-6, 16e-6};
        FittedLaw ordered = law.toBuilder().clearCovariance()
                .addAllCovariance(Arrays.stream(covariance).boxed().toList()).build();
        // Parameters as alpha, L0, A: row/column k of the covariance is parameter k of the message.
        int[] order = {2, 0, 1};
        FittedLaw.Builder shuffled = ordered.toBuilder().clearParameters().clearCovariance();
        for (int a : order) {
            shuffled.addParameters(ordered.getParameters(a));
        }
        for (int a : order) {
            for (int b : order) {
                shuffled.addCovariance(covariance[a * 3 + b]);
            }
        }
        PredictCurveRequest request = PredictCurveRequest.newBuilder().setSchedule(cosine(40_000))
                .addSteps(1000).addSteps(39_999).build();

        List<PredictedPoint> expected = laws.predictCurve(request.toBuilder().setLaw(ordered).build()).getPointsList();
        List<PredictedPoint> actual = laws.predictCurve(request.toBuilder().setLaw(shuffled).build()).getPointsList();

        assertThat(actual).isEqualTo(expected);
        List<PredictedPoint> noCovariance = laws.predictCurve(request.toBuilder()
                .setLaw(ordered.toBuilder().clearCovariance()).build()).getPointsList();
        assertThat(expected.get(1).getUpper()).isGreaterThan(noCovariance.get(1).getUpper() + 1e-3);
    }

    @Test
    void fitsTheMultiPowerLawToThe400mCurvesAndPredictsThemWithinOnePercent() {
        List<LossCurve> curves = mpl400();
        FitLawRequest.Builder request = FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_MULTI_POWER);
        curves.forEach(c -> request.addCurves(labeled(c)));

        FittedLaw law = laws.fitLaw(request.build()).getLaw();

        assertThat(law.getParametersList()).extracting(LawParameter::getName)
                .containsExactly("L0", "A", "alpha", "B", "C", "beta", "gamma");
        assertThat(law.getParametersList()).allSatisfy(p -> assertThat(p.getStandardError()).isPositive());
        assertThat(law.getResidualLogSigma()).isPositive().isLessThan(0.01);
        assertThat(law.getQuality().getMeanRelativeError()).isLessThan(0.005);
        for (LossCurve curve : curves) {
            LabeledCurve labeled = labeled(curve);
            PredictCurveRequest.Builder predict = PredictCurveRequest.newBuilder().setLaw(law)
                    .setSchedule(labeled.getSchedule()).setConfidence(0.95);
            labeled.getPointsList().forEach(p -> predict.addSteps(p.getStep()));

            List<PredictedPoint> points = laws.predictCurve(predict.build()).getPointsList();

            assertThat(points).hasSize(curve.size());
            int inside = 0;
            for (int i = 0; i < curve.size(); i++) {
                PredictedPoint p = points.get(i);
                assertThat(p.getStep()).isEqualTo(curve.step(i));
                assertThat(p.getLoss()).as(curve.name() + " step " + p.getStep())
                        .isCloseTo(curve.loss(i), within(0.01 * curve.loss(i)));
                inside += p.getLower() <= curve.loss(i) && curve.loss(i) <= p.getUpper() ? 1 : 0;
            }
            assertThat((double) inside / curve.size()).as(curve.name() + " coverage").isGreaterThan(0.8);
        }
    }

    @Test
    void backtestsTheMultiPowerLawOnAHeldOutCurve() {
        List<LossCurve> curves = mpl400();
        // Leave-one-out: each 400M curve predicted from a fit on the other two.
        for (int h = 0; h < curves.size(); h++) {
            int held = h;
            BacktestRequest.Builder request = BacktestRequest.newBuilder().setKind(LawKind.LAW_KIND_MULTI_POWER);
            for (int c = 0; c < curves.size(); c++) {
                if (c == held) {
                    request.addTestCurves(labeled(curves.get(c)));
                } else {
                    request.addFitCurves(labeled(curves.get(c)));
                }
            }

            BacktestResponse response = laws.backtest(request.build());

            String name = curves.get(held).name();
            assertThat(response.getCurvesList()).singleElement().satisfies(c -> {
                assertThat(c.getName()).isEqualTo(name);
                assertThat(c.getPoints()).isEqualTo(curves.get(held).size());
                assertThat(c.getMeanRelativeError()).isEqualTo(response.getMeanRelativeError());
            });
            assertThat(response.getMeanRelativeError()).as(name).isPositive().isLessThan(0.01);
            assertThat(response.getWorstRelativeError()).as(name)
                    .isGreaterThanOrEqualTo(response.getMeanRelativeError()).isLessThan(0.03);
            assertThat(response.getLaw().getBacktestMeanRelativeError()).isEqualTo(response.getMeanRelativeError());
            assertThat(response.getLaw().getKind()).isEqualTo(LawKind.LAW_KIND_MULTI_POWER);
        }
    }

    @Test
    void ranksSchedulesByPredictedFinalLoss() {
        FittedLaw law = laws.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(powerLawCurve()).build()).getLaw();
        Schedule low = cosine(20_000).toBuilder().setPeakLr(2e-4).setMinLr(2e-5).build();

        RankSchedulesResponse response = laws.rankSchedules(RankSchedulesRequest.newBuilder().setLaw(law)
                .addCandidates(low).addCandidates(cosine(40_000)).addCandidates(cosine(20_000)).build());

        // Under a pure LR-area law, more area is always better: the longest run first, the lowest LR last.
        assertThat(response.getRankingList()).extracting(RankedSchedule::getIndex).containsExactly(1, 2, 0);
        assertThat(response.getRanking(0).getFinalLoss().getStep()).isEqualTo(39_999);
        assertThat(response.getRanking(0).getFinalLoss().getLoss())
                .isLessThan(response.getRanking(1).getFinalLoss().getLoss());
    }

    @Test
    void refusesTooFewPointsNamingTheCurve() {
        LabeledCurve curve = powerLawCurve();
        LabeledCurve shortCurve = curve.toBuilder().clearPoints().addPoints(curve.getPoints(0))
                .addPoints(curve.getPoints(1)).build();

        StatusRuntimeException error = fitError(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(curve).addCurves(shortCurve).build());

        assertThat(GrpcErrors.errorInfo(error).orElseThrow().getReason()).isEqualTo("INVALID_CURVE");
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField)
                .containsExactly("curves[1].points");
        assertThat(GrpcErrors.fieldViolations(error).get(0).getDescription()).contains("at least 3");
    }

    @Test
    void refusesStepsOutOfOrderNamingThePoint() {
        LabeledCurve curve = powerLawCurve();
        LabeledCurve swapped = curve.toBuilder().setPoints(4, curve.getPoints(5)).setPoints(5, curve.getPoints(4))
                .build();

        StatusRuntimeException error = fitError(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(swapped).build());

        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField)
                .containsExactly("curves[0].points[5].step");
        assertThat(error.getStatus().getDescription()).contains("step 2500 does not come after the previous step 3000");
    }

    @Test
    void refusesANegativeLossThroughTheContractRules() {
        LabeledCurve curve = powerLawCurve();
        LabeledCurve negative = curve.toBuilder().setPoints(2, curve.getPoints(2).toBuilder().setLoss(-1)).build();

        StatusRuntimeException error = fitError(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(negative).build());

        assertThat(GrpcErrors.errorInfo(error).orElseThrow().getReason()).isEqualTo(GrpcErrors.INVALID_ARGUMENT);
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField)
                .containsExactly("curves[0].points[2].loss");
    }

    @Test
    void refusesAScheduleShorterThanTheCurveAndAMismatchedLoggedLr() {
        LabeledCurve curve = powerLawCurve();
        LabeledCurve truncated = curve.toBuilder().setSchedule(cosine(10_000)).build();
        LabeledCurve wrongLr = curve.toBuilder()
                .setPoints(0, curve.getPoints(0).toBuilder().setLearningRate(5e-3)).build();

        StatusRuntimeException error = fitError(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(truncated).addCurves(wrongLr).build());

        assertThat(GrpcErrors.errorInfo(error).orElseThrow().getReason()).isEqualTo("INVALID_CURVE");
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField)
                .containsExactly("curves[0].points[19].step", "curves[1].points[0].learning_rate");
        assertThat(GrpcErrors.fieldViolations(error).get(0).getDescription())
                .startsWith("step 10000 and the 19 points after it lie beyond the schedule, which covers steps 0..9999");
    }

    @Test
    void listsAtMostTenProblemsOfACurveLoggedBackwards() {
        LabeledCurve curve = powerLawCurve();
        LabeledCurve.Builder backwards = curve.toBuilder().clearPoints();
        for (int i = curve.getPointsCount() - 1; i >= 0; i--) {
            backwards.addPoints(curve.getPoints(i));
        }

        StatusRuntimeException error = fitError(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(backwards).build());

        List<FieldViolation> violations = GrpcErrors.fieldViolations(error);
        assertThat(violations).hasSize(11);
        assertThat(violations.get(0).getField()).isEqualTo("curves[0].points[1].step");
        assertThat(violations.get(10).getField()).isEqualTo("curves[0].points");
        assertThat(violations.get(10).getDescription()).isEqualTo("and 28 more problems");
    }

    @Test
    void refusesEveryBadCandidateOfARanking() {
        FittedLaw law = laws.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(powerLawCurve()).build()).getLaw();
        Schedule knotsOutOfOrder = Schedule.newBuilder().setTotalSteps(100).setPiecewiseLinear(
                PiecewiseLinearFamily.newBuilder()
                        .addKnots(ScheduleKnot.newBuilder().setStep(50).setLr(1e-3))
                        .addKnots(ScheduleKnot.newBuilder().setStep(10).setLr(1e-4))).build();
        Schedule tooLong = cosine(20_000).toBuilder().setTotalSteps(20_000_000).build();

        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> laws.rankSchedules(RankSchedulesRequest.newBuilder().setLaw(law).addCandidates(cosine(20_000))
                        .addCandidates(knotsOutOfOrder).addCandidates(tooLong).build()));

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorInfo(error).orElseThrow().getReason()).isEqualTo("INVALID_SCHEDULE");
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField)
                .containsExactly("candidates[1].piecewise_linear.knots[1].step", "candidates[2].total_steps");
    }

    @Test
    void refusesALawWithParametersItDoesNotHave() {
        FittedLaw law = FittedLaw.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addParameters(LawParameter.newBuilder().setName("L0").setValue(2))
                .addParameters(LawParameter.newBuilder().setName("beta").setValue(1))
                .addCovariance(1).build();

        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> laws.predictCurve(PredictCurveRequest.newBuilder().setLaw(law).setSchedule(cosine(2000)).build()));

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorInfo(error).orElseThrow().getReason()).isEqualTo("INVALID_LAW");
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField)
                .containsExactly("law.parameters[1].name", "law.parameters", "law.covariance");
    }

    @Test
    void optLawsAndScheduleOptimisationAreNotServedYet() {
        StatusRuntimeException fit = catchThrowableOfType(StatusRuntimeException.class,
                () -> laws.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_OPT_LAWS)
                        .addCurves(powerLawCurve()).build()));
        assertThat(fit.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(fit.getStatus().getDescription()).contains("issue 6");

        FittedLaw law = laws.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(powerLawCurve()).build()).getLaw();
        StatusRuntimeException optimize = catchThrowableOfType(StatusRuntimeException.class,
                () -> laws.optimizeSchedule(OptimizeScheduleRequest.newBuilder().setLaw(law).setTotalSteps(1000).build()));
        assertThat(optimize.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(GrpcErrors.errorInfo(optimize).orElseThrow().getReason())
                .isEqualTo("SCHEDULE_OPTIMIZATION_NOT_SERVED");
        assertThat(optimize.getStatus().getDescription()).contains("issue 6");
    }

    private StatusRuntimeException fitError(FitLawRequest request) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> laws.fitLaw(request));
        assertThat(error).isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return error;
    }
}
