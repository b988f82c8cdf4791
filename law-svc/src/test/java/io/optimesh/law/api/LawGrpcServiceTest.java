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
import io.optimesh.v1.OptimizeScheduleResponse;
import io.optimesh.v1.PiecewiseLinearFamily;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.PredictCurveResponse;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.RankSchedulesResponse;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.ScheduleConstraints;
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
        // Its own leave-one-out back-test, and intervals calibrated on it.
        assertThat(law.getBacktestMeanRelativeError()).isPositive().isLessThan(0.003);
        assertThat(law.getBacktestWorstRelativeError()).isGreaterThan(law.getBacktestMeanRelativeError())
                .isLessThan(0.02);
        assertThat(law.getIntervalScale()).isBetween(0.5, 5.0);
        assertThat(law.getMaxFitLr()).isEqualTo(3e-4);
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
            assertThat((double) inside / curve.size()).as(curve.name() + " coverage").isGreaterThan(0.95);
        }
    }

    @Test
    void backtestsTheMultiPowerLawOnAHeldOutCurve() {
        List<LossCurve> curves = mpl400();
        // Leave-one-out: each 400M curve predicted from a fit on the other two.
        for (int h = 0; h < curves.size(); h++) {
            int held = h;
            BacktestRequest.Builder request = BacktestRequest.newBuilder().setKind(LawKind.LAW_KIND_MULTI_POWER)
                    .setConfidence(0.95);
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
            // The law's intervals are calibrated on its two fit curves alone, and cover the held-out one.
            assertThat(response.getIntervalCoverage()).as(name).isGreaterThan(0.8);
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
    void refusesToOptimiseAScheduleUnderAnOptLawsLaw() {
        FittedLaw.Builder optLaws = FittedLaw.newBuilder().setKind(LawKind.LAW_KIND_OPT_LAWS);
        io.optimesh.law.optlaws.OptLawsModel.names()
                .forEach(n -> optLaws.addParameters(LawParameter.newBuilder().setName(n).setValue(0)));
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> laws.optimizeSchedule(OptimizeScheduleRequest.newBuilder().setLaw(optLaws)
                        .setTotalSteps(1000).build()));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorInfo(error).orElseThrow().getReason()).isEqualTo("NOT_A_CURVE_LAW");
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField).containsExactly("law.kind");
    }

    @Test
    void refusesNanLossesAndNegativeOrNanLrsNamingTheCurveAndRow() {
        LabeledCurve curve = powerLawCurve();
        LabeledCurve nanLoss = curve.toBuilder().setPoints(4, curve.getPoints(4).toBuilder().setLoss(Double.NaN))
                .setPoints(5, curve.getPoints(5).toBuilder().setLearningRate(-1e-3)).build();
        Schedule.Builder explicit = Schedule.newBuilder().setTotalSteps(20_000);
        ExplicitFamily.Builder lrs = ExplicitFamily.newBuilder();
        Arrays.stream(ScheduleEvaluator.evaluate(curve.getSchedule())).forEach(lrs::addLrs);
        lrs.setLrs(7, Double.NaN).setLrs(9, -1e-4);
        LabeledCurve badSchedule = curve.toBuilder().setSchedule(explicit.setExplicit(lrs)).build();

        StatusRuntimeException error = fitError(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER)
                .addCurves(curve).addCurves(nanLoss).addCurves(badSchedule).build());

        // A NaN breaks two rules (positive, finite): protovalidate names the field once per rule.
        assertThat(GrpcErrors.fieldViolations(error)).extracting(FieldViolation::getField).containsOnly(
                "curves[1].points[4].loss", "curves[1].points[5].learning_rate",
                "curves[2].schedule.explicit.lrs[7]", "curves[2].schedule.explicit.lrs[9]");
    }

    /** The MPL paper's 400M law gives the final loss of every run of an Opt-Laws fit. */
    private static final io.optimesh.law.fit.FittedLaw MPL_400M = io.optimesh.law.fit.FittedLaw.fixed(
            new io.optimesh.law.model.MultiPowerLaw(), 2.375, 0.654, 0.429, 523.4, 2.025, 0.594, 0.635);

    private static Schedule run(int family, int total, int warmup, double peak) {
        Schedule.Builder s = Schedule.newBuilder().setTotalSteps(total).setPeakLr(peak).setMinLr(peak / 10)
                .setWarmup(Warmup.newBuilder().setSteps(warmup));
        return switch (family) {
            case 0 -> s.setCosine(CosineFamily.getDefaultInstance()).build();
            case 1 -> s.setConstant(io.optimesh.v1.ConstantFamily.getDefaultInstance()).build();
            default -> s.setWsd(io.optimesh.v1.WarmupStableDecayFamily.newBuilder().setDecayFraction(0.2)).build();
        };
    }

    /** A run of the schedule as the MPL predicts it, three points logged; divergent when the LR rises fast. */
    private static LabeledCurve optLawsRun(String name, Schedule schedule) {
        double[] lrs = ScheduleEvaluator.evaluate(schedule);
        int total = lrs.length;
        int[] steps = {total / 2, 3 * total / 4, total - 1};
        double[] losses = MPL_400M.predict(lrs, steps, 0.9).losses();
        LabeledCurve.Builder curve = LabeledCurve.newBuilder().setName(name).setSchedule(schedule)
                .setModelParameters(4e8).setDiverged(schedule.getPeakLr() / schedule.getWarmup().getSteps() > 1e-6);
        for (int i = 0; i < 3; i++) {
            curve.addPoints(CurvePoint.newBuilder().setStep(steps[i]).setLoss(losses[i]));
        }
        return curve.build();
    }

    @Test
    void fitsAnOptLawsModelAndRanksSchedulesWithTheirDivergenceRisk() {
        java.util.Random random = new java.util.Random(7);
        FitLawRequest.Builder fit = FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_OPT_LAWS);
        for (int i = 0; i < 40; i++) {
            fit.addCurves(optLawsRun("run" + i, run(i % 3, 4000 + 1000 * random.nextInt(9),
                    100 * (1 + random.nextInt(10)), 1e-4 * Math.pow(10, 1.2 * random.nextDouble()))));
        }
        FittedLaw law = laws.fitLaw(fit.build()).getLaw();

        assertThat(law.getKind()).isEqualTo(LawKind.LAW_KIND_OPT_LAWS);
        assertThat(law.getParametersList()).extracting(LawParameter::getName)
                .contains("loss.intercept", "loss.log_lr_area", "risk.intercept", "risk.log_max_rise");
        assertThat(law.getQuality().getMeanRelativeError()).isLessThan(0.01);
        assertThat(law.getBacktestMeanRelativeError()).isPositive().isLessThan(0.02);

        // 10k steps at peak 3e-4: a long cosine beats a short one and a constant run; a 20-step warmup to
        // 1e-3 diverges.
        List<Schedule> candidates = List.of(run(1, 10_000, 1000, 3e-4), run(0, 10_000, 1000, 3e-4),
                run(0, 5000, 1000, 3e-4), run(0, 10_000, 20, 1e-3));
        RankSchedulesResponse ranked = laws.rankSchedules(RankSchedulesRequest.newBuilder().setLaw(law)
                .addAllCandidates(candidates).setModelParameters(4e8).build());
        List<RankedSchedule> safe = ranked.getRankingList().stream().filter(r -> r.getIndex() != 3).toList();
        assertThat(safe).extracting(RankedSchedule::getIndex).containsExactly(1, 0, 2);
        assertThat(safe).allSatisfy(r -> assertThat(r.getDivergenceRisk()).isLessThan(0.5));
        assertThat(ranked.getRankingList()).filteredOn(r -> r.getIndex() == 3).singleElement()
                .satisfies(r -> assertThat(r.getDivergenceRisk()).isGreaterThan(0.5));

        // PredictCurve gives the final loss the ranking used.
        PredictCurveResponse predicted = laws.predictCurve(PredictCurveRequest.newBuilder().setLaw(law)
                .setSchedule(candidates.get(1)).setModelParameters(4e8).build());
        assertThat(predicted.getPoints(0).getStep()).isEqualTo(9999);
        assertThat(predicted.getPoints(0).getLoss()).isEqualTo(safe.get(0).getFinalLoss().getLoss());

        // A curve law ranks by its own predictions and borrows the Opt-Laws model's risk.
        RankSchedulesResponse withRisk = laws.rankSchedules(RankSchedulesRequest.newBuilder()
                .setLaw(published400m()).setRiskModel(law).addAllCandidates(candidates).setModelParameters(4e8).build());
        assertThat(withRisk.getRankingList()).filteredOn(r -> r.getIndex() == 3).singleElement()
                .satisfies(r -> assertThat(r.getDivergenceRisk()).isGreaterThan(0.5));
        assertThat(withRisk.getRankingList()).filteredOn(r -> r.getIndex() == 1).singleElement()
                .satisfies(r -> assertThat(r.getDivergenceRisk()).isLessThan(0.5));
    }

    /** The MPL paper's 400M parameters, fitted on LRs up to 3e-4, no covariance. */
    private static FittedLaw published400m() {
        String[] names = {"L0", "A", "alpha", "B", "C", "beta", "gamma"};
        double[] values = {2.375, 0.654, 0.429, 523.4, 2.025, 0.594, 0.635};
        FittedLaw.Builder law = FittedLaw.newBuilder().setKind(LawKind.LAW_KIND_MULTI_POWER).setMaxFitLr(3e-4)
                .setResidualLogSigma(0.002);
        for (int j = 0; j < names.length; j++) {
            law.addParameters(LawParameter.newBuilder().setName(names[j]).setValue(values[j]));
        }
        return law.build();
    }

    @Test
    void optimisesAScheduleThatBeatsCosineAndConstantWithinItsBounds() {
        OptimizeScheduleResponse response = laws.optimizeSchedule(OptimizeScheduleRequest.newBuilder()
                .setLaw(published400m()).setTotalSteps(24_000)
                .setConstraints(ScheduleConstraints.newBuilder().setWarmupSteps(2160).setMinFinalLr(3e-5)
                        .setMaxDecayFraction(0.5))
                .build());

        double best = response.getFinalLoss().getLoss();
        assertThat(response.getFinalLoss().getStep()).isEqualTo(23_999);
        assertThat(best).isLessThan(response.getCosineFinalLoss().getLoss() - 0.005)
                .isLessThan(response.getConstantFinalLoss().getLoss() - 0.05);
        assertThat(response.getFinalLoss().getLower()).isLessThan(best);
        assertThat(response.getFinalLoss().getUpper()).isGreaterThan(best);
        // The schedule is served as data: the shared evaluator reads it back within every bound.
        double[] lrs = ScheduleEvaluator.evaluate(response.getSchedule());
        assertThat(lrs).hasSize(24_000);
        int decayStart = 24_000;
        for (int s = 0; s < lrs.length; s++) {
            assertThat(lrs[s]).isLessThanOrEqualTo(3e-4 * (1 + 1e-12));
            if (s >= 2160) {
                assertThat(lrs[s]).isGreaterThanOrEqualTo(3e-5 * (1 - 1e-12));
            }
            if (s > 2160) {
                assertThat(lrs[s]).as("monotone at %d", s).isLessThanOrEqualTo(lrs[s - 1] * (1 + 1e-12));
                if (decayStart == 24_000 && lrs[s] < lrs[2160]) {
                    decayStart = s;
                }
            }
        }
        assertThat(24_000 - decayStart).isLessThanOrEqualTo((24_000 - 2160) / 2 + 1);
        PredictCurveResponse again = laws.predictCurve(PredictCurveRequest.newBuilder().setLaw(published400m())
                .setSchedule(response.getSchedule()).build());
        assertThat(again.getPoints(0).getLoss()).isCloseTo(best, within(1e-9));
    }

    @Test
    void refusesScheduleBoundsTheLawCannotSpeakFor() {
        StatusRuntimeException tooHigh = catchThrowableOfType(StatusRuntimeException.class,
                () -> laws.optimizeSchedule(OptimizeScheduleRequest.newBuilder().setLaw(published400m())
                        .setTotalSteps(1000).setConstraints(ScheduleConstraints.newBuilder().setMaxPeakLr(1e-3)
                                .setWarmupSteps(1000)).build()));
        assertThat(tooHigh.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorInfo(tooHigh).orElseThrow().getReason()).isEqualTo("INVALID_CONSTRAINTS");
        assertThat(GrpcErrors.fieldViolations(tooHigh)).extracting(FieldViolation::getField)
                .containsExactly("constraints.max_peak_lr", "constraints.warmup_steps");

        StatusRuntimeException unknownPeak = catchThrowableOfType(StatusRuntimeException.class,
                () -> laws.optimizeSchedule(OptimizeScheduleRequest.newBuilder()
                        .setLaw(published400m().toBuilder().clearMaxFitLr()).setTotalSteps(1000).build()));
        assertThat(GrpcErrors.fieldViolations(unknownPeak)).singleElement()
                .satisfies(v -> assertThat(v.getField()).isEqualTo("constraints.max_peak_lr"));
    }

    private StatusRuntimeException fitError(FitLawRequest request) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> laws.fitLaw(request));
        assertThat(error).isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return error;
    }
}
