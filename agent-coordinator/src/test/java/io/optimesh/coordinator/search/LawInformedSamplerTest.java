package io.optimesh.coordinator.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.StudyBudget;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

class LawInformedSamplerTest {

    static StudySpec spec(long seed) {
        return StudySpec.newBuilder()
                .setSearchSpace(SequentialStudy.SMOOTH)
                .setBudget(StudyBudget.newBuilder().setMaxTrials(20))
                .setSeed(seed)
                .setBaseRun(
                        RunSpec.newBuilder()
                                .setModelPreset("tiny")
                                .setSteps(1000)
                                .setEvalInterval(250)
                                .setBatchSize(8)
                                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw"))
                                .setSchedule(
                                        Schedule.newBuilder()
                                                .setTotalSteps(1000)
                                                .setPeakLr(1e-3)
                                                .setCosine(CosineFamily.getDefaultInstance())))
                .build();
    }

    /**
     * A ranker whose law is exact for the schedule part of {@link SequentialStudy#smooth} (peak LR
     * best at 3e-3, warmup best at a fifth of the steps), and that calls every peak LR over 0.1 risky.
     * It stands for law-svc, whose own ranking is tested in law-svc; here the sampler's use of a
     * ranking is under test.
     */
    static final class ExactScheduleLaw implements ScheduleRanker {
        final List<List<Schedule>> asked = new ArrayList<>();

        @Override
        public List<RankedSchedule> rank(List<LabeledCurve> curves, List<Schedule> candidates) {
            asked.add(candidates);
            List<RankedSchedule> ranking = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                Schedule s = candidates.get(i);
                double x = Math.log10(s.getPeakLr() / 3e-3);
                double w = (double) s.getWarmup().getSteps() / s.getTotalSteps() - 0.2;
                ranking.add(
                        RankedSchedule.newBuilder()
                                .setIndex(i)
                                .setFinalLoss(PredictedPoint.newBuilder().setLoss(1.6 + 0.35 * x * x + 2 * w * w))
                                .setDivergenceRisk(s.getPeakLr() > 0.1 ? 0.9 : 0.05)
                                .build());
            }
            ranking.sort(Comparator.comparingDouble(r -> r.getFinalLoss().getLoss()));
            return ranking;
        }
    }

    @Test
    void tpesProposalsStandUntilTenTrialsHaveEnded() {
        ScheduleRanker refusing = (curves, candidates) -> {
            throw new AssertionError("asked to rank with " + curves.size() + " curves");
        };
        LawInformedSampler sampler = new LawInformedSampler(spec(3), refusing);
        TpeSampler tpe = new TpeSampler(SequentialStudy.SMOOTH, 3);

        List<Trial> history = run(sampler, 10, SequentialStudy::smooth);

        List<Trial> tpeHistory = run(tpe, 10, SequentialStudy::smooth);
        assertThat(history).isEqualTo(tpeHistory);
    }

    @Test
    void theRankersChoiceAmongTheVariedSchedulesIsTrainedAndTheOtherParametersAreTpes() {
        ExactScheduleLaw law = new ExactScheduleLaw();
        LawInformedSampler sampler = new LawInformedSampler(spec(5), law);
        List<Trial> history = run(new TpeSampler(SequentialStudy.SMOOTH, 5), 10,
                SequentialStudy::smooth);

        Map<String, ParameterValue> proposal = sampler.propose(10, history).orElseThrow();
        Map<String, ParameterValue> tpes = new TpeSampler(SequentialStudy.SMOOTH, 5).propose(10, history).orElseThrow();

        assertThat(law.asked).singleElement().satisfies(c -> assertThat(c).hasSize(LawInformedSampler.CANDIDATES));
        assertThat(proposal.get("weight_decay")).isEqualTo(tpes.get("weight_decay"));
        assertThat(proposal.get("batch_size")).isEqualTo(tpes.get("batch_size"));
        // The chosen schedule is the best of the 32 by the law: no candidate's predicted loss is lower.
        double chosen = scheduleLoss(schedule(proposal));
        assertThat(chosen).isLessThanOrEqualTo(scheduleLoss(schedule(tpes)));
        assertThat(law.asked.get(0)).allSatisfy(s -> assertThat(scheduleLoss(s)).isGreaterThanOrEqualTo(chosen - 1e-12));
    }

    @Test
    void knowingTheScheduleLandscapeFindsBetterTrialsThanTpeAloneAtEqualBudget() {
        double[] lawBest = IntStream.rangeClosed(1, 7).mapToDouble(seed -> SequentialStudy.best(
                run(new LawInformedSampler(spec(seed), new ExactScheduleLaw()), 20,
                        SequentialStudy::smooth))).sorted().toArray();
        double[] tpeBest = IntStream.rangeClosed(1, 7).mapToDouble(seed -> SequentialStudy.best(
                run(new TpeSampler(SequentialStudy.SMOOTH, seed), 20, SequentialStudy::smooth)))
                .sorted().toArray();
        // Median over 7 seeds of the best objective (minimum 1.6).
        assertThat(lawBest[3]).isLessThan(tpeBest[3]);
        assertThat(lawBest[3] - 1.6).isLessThan(0.6 * (tpeBest[3] - 1.6));
    }

    @Test
    void theBestSafeScheduleWinsAndWhenNoneIsSafeTheLeastRiskyOne() {
        List<RankedSchedule> ranking = List.of(ranked(0, 2.0, 0.9), ranked(1, 2.5, 0.1), ranked(2, 2.2, 0.4));
        assertThat(LawInformedSampler.choose(ranking)).isEqualTo(2);
        assertThat(LawInformedSampler.choose(List.of(ranked(0, 2.0, 0.9), ranked(1, 2.5, 0.7)))).isEqualTo(1);
        assertThatThrownBy(() -> LawInformedSampler.choose(List.of())).hasMessageContaining("empty");
    }

    @Test
    void aRankerThatFailsLeavesTpesProposal() {
        ScheduleRanker down = (curves, candidates) -> {
            throw new ScheduleRanker.ScheduleRankingException("law-svc is down", null);
        };
        List<Trial> history = run(new TpeSampler(SequentialStudy.SMOOTH, 2), 12,
                SequentialStudy::smooth);
        assertThat(new LawInformedSampler(spec(2), down).propose(12, history))
                .isEqualTo(new TpeSampler(SequentialStudy.SMOOTH, 2).propose(12, history));
    }

    @Test
    void endedTrialsBecomeCurvesWithTheirSchedulesLearningRatesAndFinalLoss() {
        LawInformedSampler sampler = new LawInformedSampler(spec(1), new ExactScheduleLaw());
        Map<String, ParameterValue> p = new TpeSampler(SequentialStudy.SMOOTH, 1).propose(0, List.of()).orElseThrow();
        Trial succeeded = Trial.newBuilder().setName("studies/s/trials/1").putAllParameters(p)
                .setState(TrialState.TRIAL_STATE_SUCCEEDED).setObjectiveValue(2.5)
                .addIntermediateValues(IntermediateValue.newBuilder().setStep(249).setValue(3.4))
                .addIntermediateValues(IntermediateValue.newBuilder().setStep(499).setValue(3.0))
                .build();
        Trial diverged = succeeded.toBuilder().setName("studies/s/trials/2").setState(TrialState.TRIAL_STATE_DIVERGED)
                .clearObjectiveValue()
                .addIntermediateValues(IntermediateValue.newBuilder().setStep(749).setValue(3.9))
                .addIntermediateValues(IntermediateValue.newBuilder().setStep(999).setValue(Double.NaN)).build();
        Trial pruned = succeeded.toBuilder().setName("studies/s/trials/3").setState(TrialState.TRIAL_STATE_PRUNED).build();
        Trial tooShort = Trial.newBuilder().setName("studies/s/trials/4").putAllParameters(p)
                .setState(TrialState.TRIAL_STATE_SUCCEEDED).setObjectiveValue(2.6)
                .addIntermediateValues(IntermediateValue.newBuilder().setStep(499).setValue(3.0)).build();

        List<LabeledCurve> curves = sampler.curves(List.of(succeeded, diverged, pruned, tooShort));

        assertThat(curves).extracting(LabeledCurve::getName).containsExactly("studies/s/trials/1", "studies/s/trials/2");
        LabeledCurve first = curves.get(0);
        Schedule schedule = first.getSchedule();
        assertThat(schedule.getPeakLr()).isEqualTo(p.get("learning_rate").getFloatValue());
        assertThat(first.getPointsList()).extracting(c -> c.getStep()).containsExactly(249L, 499L, 999L);
        assertThat(first.getPoints(2).getLoss()).isEqualTo(2.5);
        assertThat(first.getPoints(1).getLearningRate())
                .isEqualTo(io.optimesh.core.schedule.ScheduleEvaluator.at(schedule, 499));
        assertThat(curves.get(1).getDiverged()).isTrue();
        assertThat(curves.get(1).getPointsList()).extracting(c -> c.getStep()).containsExactly(249L, 499L, 749L);
    }

    /** As {@link SequentialStudy#run}, each trial also reporting two evaluations before its final loss. */
    static List<Trial> run(Sampler sampler, int budget, ToDoubleFunction<Map<String, ParameterValue>> objective) {
        List<Trial> history = new ArrayList<>();
        for (int i = 0; i < budget; i++) {
            Map<String, ParameterValue> p = sampler.propose(i, List.copyOf(history)).orElseThrow();
            double value = objective.applyAsDouble(p);
            history.add(Trial.newBuilder()
                    .setName("studies/s/trials/" + (i + 1))
                    .putAllParameters(p)
                    .setState(TrialState.TRIAL_STATE_SUCCEEDED)
                    .setObjectiveValue(value)
                    .addIntermediateValues(IntermediateValue.newBuilder().setStep(249).setValue(value + 0.5))
                    .addIntermediateValues(IntermediateValue.newBuilder().setStep(499).setValue(value + 0.2))
                    .build());
        }
        return history;
    }

    private static RankedSchedule ranked(int index, double loss, double risk) {
        return RankedSchedule.newBuilder().setIndex(index)
                .setFinalLoss(PredictedPoint.newBuilder().setLoss(loss)).setDivergenceRisk(risk).build();
    }

    private static Schedule schedule(Map<String, ParameterValue> p) {
        StudySpec spec = spec(5);
        return RunSpecMapping.apply(spec.getBaseRun(), spec.getObjective(), p, "t").getSchedule();
    }

    private static double scheduleLoss(Schedule s) {
        double x = Math.log10(s.getPeakLr() / 3e-3);
        double w = (double) s.getWarmup().getSteps() / s.getTotalSteps() - 0.2;
        return 0.35 * x * x + 2 * w * w;
    }
}
