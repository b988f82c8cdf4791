package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.intParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.DecayShape;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.StudyObjective;
import io.optimesh.v1.Warmup;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class RunSpecMappingTest {

    static final RunSpec BASE =
            RunSpec.newBuilder()
                    .setModelPreset("tiny")
                    .setSteps(200)
                    .setBatchSize(8)
                    .setSequenceLength(64)
                    .setOptimizer(
                            OptimizerSpec.newBuilder()
                                    .setAlgorithm("adamw")
                                    .setWeightDecay(0.1)
                                    .putHyperparameters("beta1", 0.9))
                    .setSchedule(
                            Schedule.newBuilder()
                                    .setTotalSteps(200)
                                    .setPeakLr(1e-3)
                                    .setMinLr(1e-4)
                                    .setWarmup(Warmup.newBuilder().setSteps(20).setInitialLr(1e-5))
                                    .setCosine(CosineFamily.getDefaultInstance()))
                    .build();

    private static final StudyObjective NO_TOKEN_BUDGET = StudyObjective.getDefaultInstance();

    private static Map<String, ParameterValue> values(Object... nameValue) {
        Map<String, ParameterValue> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            m.put(
                    (String) nameValue[i],
                    v instanceof Double d
                            ? ParameterValues.ofFloat(d)
                            : v instanceof Integer k
                                    ? ParameterValues.ofInt(k)
                                    : ParameterValues.ofCategory((String) v));
        }
        return m;
    }

    private static List<FieldViolation> validate(
            RunSpec base, StudyObjective objective, SearchParameter... ps) {
        return RunSpecMapping.validate(
                SearchSpace.newBuilder().addAllParameters(List.of(ps)).build(),
                "spec.search_space",
                base,
                objective,
                "spec.objective");
    }

    private static List<String> fields(List<FieldViolation> violations) {
        return violations.stream().map(FieldViolation::field).toList();
    }

    @Test
    void learningRateSetsThePeakAndScalesTheFloorAndWarmupStart() {
        RunSpec run =
                RunSpecMapping.apply(
                        BASE, NO_TOKEN_BUDGET, values("learning_rate", 3e-3), "studies/s/trials/1");
        assertThat(run.getSchedule().getPeakLr()).isEqualTo(3e-3);
        assertThat(run.getSchedule().getMinLr()).isCloseTo(3e-4, within(1e-15));
        assertThat(run.getSchedule().getWarmup().getInitialLr()).isCloseTo(3e-5, within(1e-16));
        assertThat(run.getSchedule().getWarmup().getSteps()).isEqualTo(20);
        assertThat(run.getTrial()).isEqualTo("studies/s/trials/1");
        // Everything else is the base run's.
        assertThat(run.toBuilder().setSchedule(BASE.getSchedule()).setTrial("").build())
                .isEqualTo(BASE);
    }

    @Test
    void optimizerParametersLandOnTheOptimizer() {
        RunSpec run =
                RunSpecMapping.apply(
                        BASE,
                        NO_TOKEN_BUDGET,
                        values(
                                "optimizer",
                                "lion",
                                "weight_decay",
                                0.05,
                                "beta2",
                                0.95,
                                "momentum",
                                0.9,
                                "gradient_clip_norm",
                                1.0,
                                "batch_size",
                                16),
                        "studies/s/trials/2");
        assertThat(run.getOptimizer().getAlgorithm()).isEqualTo("lion");
        assertThat(run.getOptimizer().getWeightDecay()).isEqualTo(0.05);
        assertThat(run.getOptimizer().getGradientClipNorm()).isEqualTo(1.0);
        assertThat(run.getOptimizer().getHyperparametersMap())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("beta1", 0.9, "beta2", 0.95, "momentum", 0.9));
        assertThat(run.getBatchSize()).isEqualTo(16);
        assertThat(run.getSchedule()).isEqualTo(BASE.getSchedule());
    }

    @Test
    void scheduleParametersSwitchTheFamilyAndShapeIt() {
        RunSpec run =
                RunSpecMapping.apply(
                        BASE,
                        NO_TOKEN_BUDGET,
                        values("schedule", "wsd", "decay_fraction", 0.3, "warmup_fraction", 0.05),
                        "studies/s/trials/3");
        Schedule s = run.getSchedule();
        assertThat(s.hasWsd()).isTrue();
        assertThat(s.getWsd().getDecayFraction()).isEqualTo(0.3);
        assertThat(s.getWsd().getDecayShape()).isEqualTo(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT);
        assertThat(s.getWarmup().getSteps()).isEqualTo(10);

        Schedule wsdDefault =
                RunSpecMapping.apply(BASE, NO_TOKEN_BUDGET, values("schedule", "wsd"), "t")
                        .getSchedule();
        assertThat(wsdDefault.getWsd().getDecayFraction()).isEqualTo(0.2);
        assertThat(
                        RunSpecMapping.apply(
                                        BASE, NO_TOKEN_BUDGET, values("schedule", "linear"), "t")
                                .getSchedule()
                                .hasLinear())
                .isTrue();
    }

    @Test
    void aTokenBudgetSetsTheStepsFromTheBatchAndStretchesTheSchedule() {
        StudyObjective tokens = StudyObjective.newBuilder().setTokenBudget(51_200).build();
        // 16 x 64 = 1024 tokens a step: 50 steps; the schedule shrinks by 4, warmup with it.
        RunSpec run = RunSpecMapping.apply(BASE, tokens, values("batch_size", 16), "t");
        assertThat(run.getSteps()).isEqualTo(50);
        assertThat(run.getSchedule().getTotalSteps()).isEqualTo(50);
        assertThat(run.getSchedule().getWarmup().getSteps()).isEqualTo(5);
        // 8 x 64 = 512 tokens a step: 100 steps. The budget, not the batch, fixes the tokens
        // trained.
        RunSpec smaller = RunSpecMapping.apply(BASE, tokens, values("batch_size", 8), "t");
        assertThat(smaller.getSteps() * smaller.getBatchSize() * smaller.getSequenceLength())
                .isEqualTo(run.getSteps() * run.getBatchSize() * run.getSequenceLength())
                .isEqualTo(51_200);
    }

    @Test
    void unknownNamesAreRefusedOnTheirNameField() {
        List<FieldViolation> v =
                validate(
                        BASE,
                        NO_TOKEN_BUDGET,
                        floatParam("learning_rate", 1e-4, 1e-2, true),
                        floatParam("learning_rat", 1e-4, 1e-2, true));
        assertThat(fields(v)).containsExactly("spec.search_space.parameters[1].name");
        assertThat(v.get(0).description())
                .contains("unknown parameter \"learning_rat\"", "learning_rate");
    }

    @Test
    void impossibleValuesAreRefusedOnTheBoundThatIsWrong() {
        assertThat(
                        fields(
                                validate(
                                        BASE,
                                        NO_TOKEN_BUDGET,
                                        floatParam("learning_rate", 1e-4, 500, true))))
                .containsExactly("spec.search_space.parameters[0].float_domain.max");
        assertThat(fields(validate(BASE, NO_TOKEN_BUDGET, intParam("batch_size", 0, 64, false))))
                .containsExactly("spec.search_space.parameters[0].int_domain.min");
        assertThat(
                        fields(
                                validate(
                                        BASE,
                                        NO_TOKEN_BUDGET,
                                        floatParam("warmup_fraction", 0, 1, false))))
                .containsExactly("spec.search_space.parameters[0].float_domain.max");
        assertThat(fields(validate(BASE, NO_TOKEN_BUDGET, floatParam("beta2", 0.9, 1.0, false))))
                .containsExactly("spec.search_space.parameters[0].float_domain.max");
        assertThat(
                        fields(
                                validate(
                                        BASE,
                                        NO_TOKEN_BUDGET,
                                        categorical("schedule", "cosine", "zigzag"))))
                .containsExactly("spec.search_space.parameters[0].categorical_domain.values[1]");
        assertThat(
                        fields(
                                validate(
                                        BASE,
                                        NO_TOKEN_BUDGET,
                                        categorical("optimizer", "adamw", "Adam W"))))
                .containsExactly("spec.search_space.parameters[0].categorical_domain.values[1]");
    }

    @Test
    void aDomainOfTheWrongKindIsRefused() {
        List<FieldViolation> v =
                validate(BASE, NO_TOKEN_BUDGET, intParam("learning_rate", 1, 2, false));
        assertThat(fields(v)).containsExactly("spec.search_space.parameters[0]");
        assertThat(v.get(0).description()).isEqualTo("learning_rate takes a float_domain");
        assertThat(validate(BASE, NO_TOKEN_BUDGET, intParam("beta1", 0, 0, false))).isEmpty();
    }

    @Test
    void decayFractionNeedsEveryScheduleItCanMeetToBeWsd() {
        SearchParameter schedules = categorical("schedule", "cosine", "wsd");
        SearchParameter decay = floatParam("decay_fraction", 0.1, 0.4, false);
        assertThat(fields(validate(BASE, NO_TOKEN_BUDGET, schedules, decay)))
                .containsExactly("spec.search_space.parameters[1].name");
        assertThat(validate(BASE, NO_TOKEN_BUDGET, schedules, when(decay, "schedule", "wsd")))
                .isEmpty();
        assertThat(
                        fields(
                                validate(
                                        BASE,
                                        NO_TOKEN_BUDGET,
                                        schedules,
                                        when(decay, "schedule", "cosine", "wsd"))))
                .containsExactly("spec.search_space.parameters[1].condition");
        // Over a cosine base schedule with no schedule parameter, it has nothing to act on.
        assertThat(fields(validate(BASE, NO_TOKEN_BUDGET, decay)))
                .containsExactly("spec.search_space.parameters[0].name");
    }

    @Test
    void parametersTheBaseScheduleIgnoresAreRefused() {
        RunSpec explicit =
                BASE.toBuilder()
                        .setSteps(3)
                        .setSchedule(
                                Schedule.newBuilder()
                                        .setTotalSteps(3)
                                        .setExplicit(
                                                ExplicitFamily.newBuilder()
                                                        .addLrs(1e-3)
                                                        .addLrs(1e-3)
                                                        .addLrs(1e-4)))
                        .build();
        assertThat(
                        fields(
                                validate(
                                        explicit,
                                        NO_TOKEN_BUDGET,
                                        floatParam("learning_rate", 1e-4, 1e-2, true),
                                        floatParam("warmup_fraction", 0, 0.1, false))))
                .containsExactly(
                        "spec.search_space.parameters[0].name",
                        "spec.search_space.parameters[1].name");
        // Searching the family too gives them a schedule to act on.
        assertThat(
                        validate(
                                explicit,
                                NO_TOKEN_BUDGET,
                                floatParam("learning_rate", 1e-4, 1e-2, true),
                                categorical("schedule", "cosine")))
                .isEmpty();
    }

    @Test
    void aTokenBudgetNeedsASequenceLength() {
        StudyObjective tokens = StudyObjective.newBuilder().setTokenBudget(1_000_000).build();
        assertThat(
                        fields(
                                validate(
                                        BASE.toBuilder().setSequenceLength(0).build(),
                                        tokens,
                                        floatParam("learning_rate", 1e-4, 1e-2, true))))
                .containsExactly("spec.objective.token_budget");
        assertThat(validate(BASE, tokens, floatParam("learning_rate", 1e-4, 1e-2, true))).isEmpty();
    }
}
