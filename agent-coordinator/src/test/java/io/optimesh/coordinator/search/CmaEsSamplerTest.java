package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

class CmaEsSamplerTest {

    private static SearchSpace unitBox(int n) {
        SearchSpace.Builder b = SearchSpace.newBuilder();
        for (int i = 0; i < n; i++) {
            b.addParameters(floatParam("x" + i, 0, 1, false));
        }
        return b.build();
    }

    /** A sphere centred at (0.3, 0.7, 0.3, ...). */
    private static double sphere(Map<String, ParameterValue> p) {
        double sum = 0;
        for (int i = 0; p.containsKey("x" + i); i++) {
            double d = p.get("x" + i).getFloatValue() - (i % 2 == 0 ? 0.3 : 0.7);
            sum += d * d;
        }
        return sum;
    }

    @Test
    void theStrategyHasHansensDefaults() {
        assertThat(new CmaEsSampler.Strategy(1).lambda).isEqualTo(4);
        assertThat(new CmaEsSampler.Strategy(2).lambda).isEqualTo(6);
        assertThat(new CmaEsSampler.Strategy(3).lambda).isEqualTo(7);
        CmaEsSampler.Strategy ten = new CmaEsSampler.Strategy(10);
        assertThat(ten.lambda).isEqualTo(10);
        assertThat(ten.mu).isEqualTo(5);
        assertThat(ten.muEff).isCloseTo(3.1672, within(1e-4));
        assertThat(ten.chiN).isCloseTo(3.0847, within(1e-4));
        double sum = 0;
        for (double w : ten.weights) {
            sum += w;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void onASphereTheMeanConvergesAndTheStepSizeShrinks() {
        CmaEsSampler cma = new CmaEsSampler(unitBox(3), 8);
        int lambda = cma.populationSize();
        List<Trial> history = SequentialStudy.run(cma, 40 * lambda, CmaEsSamplerTest::sphere);
        CmaEsSampler.State state = cma.stateFor(40, history);
        assertThat(state.generation()).isEqualTo(40);
        assertThat(state.mean()[0]).isCloseTo(0.3, within(1e-3));
        assertThat(state.mean()[1]).isCloseTo(0.7, within(1e-3));
        assertThat(state.mean()[2]).isCloseTo(0.3, within(1e-3));
        assertThat(state.sigma()).isLessThan(0.01);
        assertThat(SequentialStudy.best(history)).isLessThan(1e-6);
    }

    @Test
    void overTwentySeedsItBeatsRandomSearchAtEqualBudget() {
        double cma =
                SequentialStudy.medianBest(
                        seed -> new CmaEsSampler(SequentialStudy.SMOOTH, seed),
                        20,
                        60,
                        SequentialStudy::smooth);
        double random =
                SequentialStudy.medianBest(
                        seed -> new RandomSampler(SequentialStudy.SMOOTH, seed),
                        20,
                        60,
                        SequentialStudy::smooth);
        System.out.printf("median best after 60 trials: cma-es %.4f, random %.4f%n", cma, random);
        assertThat(cma - 1.6).isLessThan(0.5 * (random - 1.6));
    }

    @Test
    void aGenerationIsSampledFromTheStateOfTheCompleteGenerationsBeforeIt() {
        CmaEsSampler cma = new CmaEsSampler(unitBox(2), 21);
        int lambda = cma.populationSize();
        List<Trial> history = SequentialStudy.run(cma, 2 * lambda, CmaEsSamplerTest::sphere);
        // Same seed, same history: the same third generation.
        CmaEsSampler again = new CmaEsSampler(unitBox(2), 21);
        for (int i = 2 * lambda; i < 3 * lambda; i++) {
            assertThat(again.propose(i, history)).isEqualTo(cma.propose(i, history));
        }
        // With the second generation still running, the third is drawn from the state after the
        // first: the same as the state the second generation came from.
        List<Trial> secondRunning =
                history.stream()
                        .map(
                                t ->
                                        history.indexOf(t) >= lambda
                                                ? t.toBuilder()
                                                        .setState(
                                                                io.optimesh.v1.TrialState
                                                                        .TRIAL_STATE_RUNNING)
                                                        .clearObjectiveValue()
                                                        .build()
                                                : t)
                        .toList();
        assertThat(cma.stateFor(2, secondRunning).generation()).isEqualTo(1);
        assertThat(cma.stateFor(2, history).generation()).isEqualTo(2);
    }

    @Test
    void categoricalAndConditionalParametersAreDrawnIndependently() {
        SearchSpace space =
                unitBox(2).toBuilder()
                        .addParameters(categorical("optimizer", "adamw", "sgd"))
                        .addParameters(
                                when(floatParam("momentum", 0.5, 0.99, false), "optimizer", "sgd"))
                        .build();
        CmaEsSampler cma = new CmaEsSampler(space, 2);
        // Two continuous dimensions: lambda 6, whatever the other parameters.
        assertThat(cma.populationSize()).isEqualTo(6);
        List<Trial> history = SequentialStudy.run(cma, 60, CmaEsSamplerTest::sphere);
        int sgd = 0;
        for (Trial t : history) {
            Map<String, ParameterValue> p = t.getParametersMap();
            boolean isSgd = p.get("optimizer").getCategoricalValue().equals("sgd");
            assertThat(p.containsKey("momentum")).isEqualTo(isSgd);
            sgd += isSgd ? 1 : 0;
        }
        assertThat(sgd).isBetween(18, 42);
        assertThat(SequentialStudy.best(history)).isLessThan(1e-3);
    }
}
