package io.optimesh.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.Pruner;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Sampler;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.StudyBudget;
import io.optimesh.v1.StudySpec;

import org.junit.jupiter.api.Test;

import java.util.List;

class StudySpecsTest {

    static final StudySpec VALID =
            StudySpec.newBuilder()
                    .setSearchSpace(
                            SearchSpace.newBuilder()
                                    .addParameters(
                                            SearchParameter.newBuilder()
                                                    .setName("learning_rate")
                                                    .setFloatDomain(
                                                            FloatDomain.newBuilder()
                                                                    .setMin(1e-4)
                                                                    .setMax(1e-1)
                                                                    .setLog(true))))
                    .setBudget(StudyBudget.newBuilder().setMaxTrials(8))
                    .setBaseRun(
                            RunSpec.newBuilder()
                                    .setModelPreset("tiny")
                                    .setSteps(100)
                                    .setBatchSize(8)
                                    .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw"))
                                    .setSchedule(
                                            Schedule.newBuilder()
                                                    .setTotalSteps(100)
                                                    .setPeakLr(1e-3)
                                                    .setCosine(CosineFamily.getDefaultInstance())))
                    .build();

    private static List<String> fields(StudySpec spec) {
        return StudySpecs.validate(spec, 5).stream().map(FieldViolation::field).toList();
    }

    @Test
    void aValidSpecPasses() {
        assertThat(StudySpecs.validate(VALID, 5)).isEmpty();
    }

    @Test
    void anEmptySearchSpaceIsRefused() {
        assertThat(
                        fields(
                                VALID.toBuilder()
                                        .setSearchSpace(SearchSpace.getDefaultInstance())
                                        .build()))
                .containsExactly("spec.search_space.parameters");
        assertThat(fields(VALID.toBuilder().clearSearchSpace().build()))
                .containsExactly("spec.search_space");
    }

    @Test
    void aBudgetOfZeroIsRefused() {
        List<FieldViolation> v =
                StudySpecs.validate(
                        VALID.toBuilder().setBudget(StudyBudget.getDefaultInstance()).build(), 5);
        assertThat(v).extracting(FieldViolation::field).containsExactly("spec.budget");
        assertThat(v.get(0).description()).contains("budget of zero");
        assertThat(
                        fields(
                                VALID.toBuilder()
                                        .setBudget(StudyBudget.newBuilder().setMaxTrials(-1))
                                        .build()))
                .containsExactly("spec.budget.max_trials");
        assertThat(fields(VALID.toBuilder().clearBudget().build())).containsExactly("spec.budget");
    }

    @Test
    void unknownAndUnavailableSamplersAndPrunersAreRefused() {
        List<FieldViolation> unknown =
                StudySpecs.validate(VALID.toBuilder().setSamplerValue(42).build(), 5);
        assertThat(unknown).extracting(FieldViolation::field).containsExactly("spec.sampler");
        assertThat(unknown.get(0).description()).contains("unknown sampler value 42");
        List<FieldViolation> agents =
                StudySpecs.validate(VALID.toBuilder().setSampler(Sampler.SAMPLER_AGENTS).build(), 5);
        assertThat(agents.get(0).description()).contains("SAMPLER_AGENTS is not available yet");
        for (Sampler runnable :
                List.of(
                        Sampler.SAMPLER_GRID,
                        Sampler.SAMPLER_SOBOL,
                        Sampler.SAMPLER_TPE,
                        Sampler.SAMPLER_CMA_ES,
                        Sampler.SAMPLER_GP_BO)) {
            assertThat(fields(VALID.toBuilder().setSampler(runnable).build())).isEmpty();
        }
        assertThat(fields(VALID.toBuilder().setPrunerValue(99).build()))
                .containsExactly("spec.pruner");
        assertThat(fields(VALID.toBuilder().setPruner(Pruner.PRUNER_ASHA).build()))
                .containsExactly("spec.pruner");
    }

    @Test
    void lawInformedSamplingNeedsLawSvcAndAScheduleParameterToChoose() {
        StudySpec unevaluated = VALID.toBuilder().setSampler(Sampler.SAMPLER_LAW_INFORMED).build();
        assertThat(StudySpecs.validate(unevaluated, 5, true, true).get(0).description())
                .contains("spec.base_run.eval_interval > 0");
        StudySpec law =
                unevaluated.toBuilder()
                        .setBaseRun(VALID.getBaseRun().toBuilder().setEvalInterval(25))
                        .build();
        List<FieldViolation> withoutLawSvc = StudySpecs.validate(law, 5, true, false);
        assertThat(withoutLawSvc).extracting(FieldViolation::field).containsExactly("spec.sampler");
        assertThat(withoutLawSvc.get(0).description()).contains("needs law-svc");
        assertThat(StudySpecs.validate(law, 5, true, true)).isEmpty();

        StudySpec noSchedule =
                law.toBuilder()
                        .setSearchSpace(
                                SearchSpace.newBuilder()
                                        .addParameters(
                                                SearchParameter.newBuilder()
                                                        .setName("weight_decay")
                                                        .setFloatDomain(
                                                                FloatDomain.newBuilder()
                                                                        .setMin(0)
                                                                        .setMax(0.3))))
                        .build();
        List<FieldViolation> nothingToChoose = StudySpecs.validate(noSchedule, 5, true, true);
        assertThat(nothingToChoose).extracting(FieldViolation::field).containsExactly("spec.sampler");
        assertThat(nothingToChoose.get(0).description())
                .contains("[decay_fraction, learning_rate, schedule, warmup_fraction]");
    }

    @Test
    void prunersNeedIntermediateEvaluationsAndTheLawPrunerNeedsForecasts() {
        StudySpec evaluated =
                VALID.toBuilder()
                        .setBaseRun(VALID.getBaseRun().toBuilder().setEvalInterval(25))
                        .build();
        for (Pruner p :
                List.of(
                        Pruner.PRUNER_NONE,
                        Pruner.PRUNER_MEDIAN,
                        Pruner.PRUNER_ASHA,
                        Pruner.PRUNER_HYPERBAND)) {
            assertThat(fields(evaluated.toBuilder().setPruner(p).build())).isEmpty();
        }
        List<FieldViolation> noEvaluations =
                StudySpecs.validate(VALID.toBuilder().setPruner(Pruner.PRUNER_MEDIAN).build(), 5);
        assertThat(noEvaluations.get(0).description()).contains("spec.base_run.eval_interval");
        StudySpec law = evaluated.toBuilder().setPruner(Pruner.PRUNER_LAW).build();
        List<FieldViolation> withoutForecasts = StudySpecs.validate(law, 5, false);
        assertThat(withoutForecasts)
                .extracting(FieldViolation::field)
                .containsExactly("spec.pruner");
        assertThat(withoutForecasts.get(0).description()).contains("forecasts");
        assertThat(StudySpecs.validate(law, 5, true)).isEmpty();
    }

    @Test
    void theBaseRunMustHaveWhatTrialsBuildOn() {
        assertThat(fields(VALID.toBuilder().clearBaseRun().build()))
                .containsExactly("spec.base_run");
        assertThat(
                        fields(
                                VALID.toBuilder()
                                        .setBaseRun(
                                                VALID.getBaseRun().toBuilder()
                                                        .clearSchedule()
                                                        .clearOptimizer())
                                        .build()))
                .containsExactly("spec.base_run.optimizer", "spec.base_run.schedule");
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        StudySpec bad =
                VALID.toBuilder()
                        .setBudget(StudyBudget.getDefaultInstance())
                        .setSamplerValue(42)
                        .setParallelism(-1)
                        .setSearchSpace(
                                SearchSpace.newBuilder()
                                        .addParameters(VALID.getSearchSpace().getParameters(0))
                                        .addParameters(
                                                VALID.getSearchSpace().getParameters(0).toBuilder()
                                                        .setName("lr")))
                        .build();
        assertThat(fields(bad))
                .containsExactly(
                        "spec.budget",
                        "spec.parallelism",
                        "spec.sampler",
                        "spec.search_space.parameters[1].name");
    }

    @Test
    void normalizingResolvesEveryDefault() {
        StudySpec n = StudySpecs.normalize(VALID, 2);
        assertThat(n.getParallelism()).isEqualTo(1);
        assertThat(n.getMaxRetries()).isEqualTo(2);
        assertThat(n.getSampler()).isEqualTo(Sampler.SAMPLER_RANDOM);
        assertThat(n.getPruner()).isEqualTo(Pruner.PRUNER_NONE);
        StudySpec explicit =
                VALID.toBuilder()
                        .setParallelism(4)
                        .setMaxRetries(3)
                        .setSampler(Sampler.SAMPLER_GRID)
                        .build();
        assertThat(StudySpecs.normalize(explicit, 2))
                .isEqualTo(explicit.toBuilder().setPruner(Pruner.PRUNER_NONE).build());
    }
}
