package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class TpeSamplerTest {

    @Test
    void theStartupTrialsAreTheRandomSamplersProposals() {
        TpeSampler tpe = new TpeSampler(SequentialStudy.SMOOTH, 9);
        RandomSampler random = new RandomSampler(SequentialStudy.SMOOTH, 9);
        List<Trial> history = SequentialStudy.run(tpe, 10, SequentialStudy::smooth);
        for (int i = 0; i < 10; i++) {
            assertThat(history.get(i).getParametersMap())
                    .isEqualTo(random.propose(i, List.of()).orElseThrow());
        }
        // The eleventh is TPE's own.
        assertThat(tpe.propose(10, history).orElseThrow())
                .isNotEqualTo(random.propose(10, history).orElseThrow());
    }

    @Test
    void theSeedTheIndexAndTheHistoryDetermineTheProposal() {
        List<Trial> history =
                SequentialStudy.run(
                        new TpeSampler(SequentialStudy.SMOOTH, 3), 25, SequentialStudy::smooth);
        TpeSampler again = new TpeSampler(SequentialStudy.SMOOTH, 3);
        List<Trial> replayed = SequentialStudy.run(again, 25, SequentialStudy::smooth);
        assertThat(replayed).isEqualTo(history);
        // A fresh sampler asked about a later index out of order gives the same answer twice.
        TpeSampler fresh = new TpeSampler(SequentialStudy.SMOOTH, 3);
        assertThat(fresh.propose(40, history)).isEqualTo(again.propose(40, history));
    }

    @Test
    void overTwentySeedsItBeatsRandomSearchAtEqualBudget() {
        double tpe =
                SequentialStudy.medianBest(
                        seed -> new TpeSampler(SequentialStudy.SMOOTH, seed),
                        20,
                        60,
                        SequentialStudy::smooth);
        double random =
                SequentialStudy.medianBest(
                        seed -> new RandomSampler(SequentialStudy.SMOOTH, seed),
                        20,
                        60,
                        SequentialStudy::smooth);
        System.out.printf("median best after 60 trials: tpe %.4f, random %.4f%n", tpe, random);
        // The regret (distance to the minimum 1.6) at most half of random search's.
        assertThat(tpe - 1.6).isLessThan(0.5 * (random - 1.6));
    }

    @Test
    void smoothedCountsFindTheBestCategory() {
        TpeSampler tpe = new TpeSampler(SequentialStudy.WITH_OPTIMIZER, 4);
        List<Trial> history = SequentialStudy.run(tpe, 50, SequentialStudy::withOptimizer);
        long adamw =
                history.subList(20, 50).stream()
                        .filter(
                                t ->
                                        t.getParametersMap()
                                                .get("optimizer")
                                                .getCategoricalValue()
                                                .equals("adamw"))
                        .count();
        // Uniform choice would give a quarter (7.5 of 30).
        assertThat(adamw).isGreaterThanOrEqualTo(20);
    }

    @Test
    void conditionalParametersLearnOnlyFromTrialsWhereTheyWereActive() {
        SearchSpace space =
                SearchSpace.newBuilder()
                        .addParameters(categorical("optimizer", "adamw", "sgd"))
                        .addParameters(
                                when(floatParam("momentum", 0.5, 0.99, false), "optimizer", "sgd"))
                        .addParameters(
                                when(floatParam("beta2", 0.9, 0.999, false), "optimizer", "adamw"))
                        .build();
        TpeSampler tpe = new TpeSampler(space, 12);
        // SGD is the better branch, at momentum 0.9; each knob is scored only where it exists.
        List<Trial> history =
                SequentialStudy.run(
                        tpe,
                        60,
                        p -> {
                            if (p.containsKey("momentum")) {
                                double m = p.get("momentum").getFloatValue() - 0.9;
                                return 2.0 + 4 * m * m;
                            }
                            double b = p.get("beta2").getFloatValue() - 0.95;
                            return 2.5 + 40 * b * b;
                        });
        int sgdLate = 0;
        int momentumNear = 0;
        for (int i = 0; i < history.size(); i++) {
            Map<String, ParameterValue> p = history.get(i).getParametersMap();
            boolean sgd = p.get("optimizer").getCategoricalValue().equals("sgd");
            assertThat(p.containsKey("momentum")).isEqualTo(sgd);
            assertThat(p.containsKey("beta2")).isEqualTo(!sgd);
            if (i >= 30 && sgd) {
                sgdLate++;
                if (Math.abs(p.get("momentum").getFloatValue() - 0.9) < 0.05) {
                    momentumNear++;
                }
            }
        }
        // Uniform draws would give 15 of 30 SGD trials, and a fifth of those near 0.9.
        assertThat(sgdLate).isGreaterThanOrEqualTo(24);
        assertThat(momentumNear).isGreaterThanOrEqualTo(sgdLate / 2);
        assertThat(SequentialStudy.best(history)).isCloseTo(2.0, within(0.002));
    }

    @Test
    void observationsRankSucceededThenPrunedThenDiverged() {
        List<Trial> history = new ArrayList<>();
        history.add(ended(1, TrialState.TRIAL_STATE_DIVERGED).build());
        history.add(ended(2, TrialState.TRIAL_STATE_SUCCEEDED).setObjectiveValue(3.0).build());
        history.add(pruned(3, 50, 2.9));
        history.add(pruned(4, 75, 3.5));
        history.add(ended(5, TrialState.TRIAL_STATE_FAILED).build());
        history.add(ended(6, TrialState.TRIAL_STATE_SUCCEEDED).setObjectiveValue(2.5).build());
        history.add(ended(7, TrialState.TRIAL_STATE_RUNNING).build());
        assertThat(TpeSampler.ranked(history))
                .extracting(Trial::getName)
                .containsExactly("t6", "t2", "t4", "t3", "t1");
    }

    @Test
    void bandwidthsFollowTheNeighbourRuleAndGammaAndWeightsOptunasDefaults() {
        // Centres 2, 3, 7 and the prior's 5 in [0, 10]: each takes its larger gap, the outermost
        // only their inner gap.
        assertThat(TpeSampler.Parzen.bandwidths(new double[] {2, 3, 7, 5}, 0, 10))
                .containsExactly(1, 2, 2, 2);
        assertThat(TpeSampler.gamma(10)).isEqualTo(1);
        assertThat(TpeSampler.gamma(11)).isEqualTo(2);
        assertThat(TpeSampler.gamma(1000)).isEqualTo(25);
        assertThat(TpeSampler.weights(3)).containsExactly(1, 1, 1);
        double[] w = TpeSampler.weights(30);
        assertThat(w[0]).isCloseTo(1.0 / 30, within(1e-12));
        assertThat(w[4]).isCloseTo(1.0, within(1e-12));
        assertThat(w[29]).isEqualTo(1.0);
    }

    private static Trial.Builder ended(int n, TrialState state) {
        return Trial.newBuilder().setName("t" + n).setState(state);
    }

    private static Trial pruned(int n, long step, double loss) {
        return ended(n, TrialState.TRIAL_STATE_PRUNED)
                .addIntermediateValues(IntermediateValue.newBuilder().setStep(step).setValue(loss))
                .build();
    }
}
