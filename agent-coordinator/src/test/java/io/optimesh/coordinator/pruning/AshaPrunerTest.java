package io.optimesh.coordinator.pruning;

import static io.optimesh.v1.TrialState.TRIAL_STATE_PRUNED;
import static io.optimesh.v1.TrialState.TRIAL_STATE_RUNNING;
import static io.optimesh.v1.TrialState.TRIAL_STATE_SUCCEEDED;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.Trial;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

class AshaPrunerTest {

    private static final AshaPruner ASHA = new AshaPruner(10, 3, 0);

    private static Trial at(String name, long step, double value) {
        return Curves.reports(name, TRIAL_STATE_RUNNING, new long[] {step}, new double[] {value});
    }

    private static PruneDecision decide(Pruner p, List<Trial> others, Trial trial) {
        List<Trial> all = new ArrayList<>(others);
        all.add(trial);
        return p.decide(trial, all);
    }

    @Test
    void rungsSitAtGeometricSteps() {
        assertThat(ASHA.rungStep(0)).isEqualTo(10);
        assertThat(ASHA.rungStep(1)).isEqualTo(30);
        assertThat(ASHA.rungStep(2)).isEqualTo(90);
        assertThat(new AshaPruner(10, 3, 2).rungStep(0)).isEqualTo(90);
    }

    @Test
    void aTrialGoesOnOnlyAmongTheBestThirdOfItsRung() {
        List<Trial> nine = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            // Reports at 12 count as what the trial had on reaching the rung at 10.
            nine.add(at("t" + i, 12, i));
        }
        // Ten at the rung: the cut is the third best, 3.
        PruneDecision worse = decide(ASHA, nine, at("x", 10, 3.5));
        assertThat(worse.pruned()).isTrue();
        assertThat(worse.reason()).contains("rung 0").contains("10 trials").contains("cut 3");
        assertThat(decide(ASHA, nine, at("x", 10, 2.5)).pruned()).isFalse();
        // The first trials to arrive go on only if they are the best so far.
        assertThat(decide(ASHA, nine.subList(0, 1), at("x", 10, 0.5)).pruned()).isFalse();
        assertThat(decide(ASHA, nine.subList(0, 1), at("x", 10, 1.5)).pruned()).isTrue();
        assertThat(decide(ASHA, List.of(), at("x", 10, 100)).pruned()).isFalse();
    }

    @Test
    void aRungIsJudgedOnceAtTheReportThatReachesIt() {
        List<Trial> others = List.of(at("a", 10, 1.0), at("b", 10, 2.0), at("c", 10, 3.0));
        Trial promoted =
                Curves.reports(
                        "x", TRIAL_STATE_RUNNING, new long[] {10, 20}, new double[] {0.5, 50});
        PruneDecision later = decide(ASHA, others, promoted);
        assertThat(later.pruned()).isFalse();
        assertThat(later.reason()).isEqualTo("promoted past rung 0 earlier");
        // A first report past two rungs is judged at both: best of three at rung 0 (1.3 against
        // 1.5 and 2.0), behind b's 1.2 at rung 1.
        List<Trial> atRungOne =
                List.of(
                        at("a", 10, 1.5),
                        Curves.reports(
                                "b",
                                TRIAL_STATE_RUNNING,
                                new long[] {10, 30},
                                new double[] {2.0, 1.2}));
        PruneDecision jump = decide(ASHA, atRungOne, at("x", 30, 1.3));
        assertThat(jump.pruned()).isTrue();
        assertThat(jump.reason()).contains("rung 1 (step 30)").contains("2 trials");
        assertThat(decide(ASHA, atRungOne, at("x", 30, 1.1)).reason())
                .isEqualTo("promoted at rung 1 among 2 trials");
    }

    @Test
    void onAnalyticCurvesItKeepsTheBestTrialAndSavesMostOfTheCompute() {
        // 40 trials in sequence, each trained to the end (100 steps, a report every 10) unless
        // pruned; losses at every step order the trials as their final losses do.
        SplittableRandom random = new SplittableRandom(17);
        List<Trial> trials = new ArrayList<>();
        long steps = 0;
        int pruned = 0;
        double bestFinal = Double.POSITIVE_INFINITY;
        String bestName = "";
        for (int i = 0; i < 40; i++) {
            double finalLoss = 1.6 + 2 * random.nextDouble();
            String name = "t" + i;
            if (finalLoss < bestFinal) {
                bestFinal = finalLoss;
                bestName = name;
            }
            Trial.Builder t = Trial.newBuilder().setName(name).setState(TRIAL_STATE_RUNNING);
            boolean stopped = false;
            for (long s = 10; s <= 100 && !stopped; s += 10) {
                t.addIntermediateValues(
                        IntermediateValue.newBuilder()
                                .setStep(s)
                                .setValue(Curves.loss(finalLoss, s)));
                steps += 10;
                List<Trial> all = new ArrayList<>(trials);
                all.add(t.build());
                stopped = ASHA.decide(t.build(), all).pruned();
            }
            if (stopped) {
                pruned++;
                trials.add(t.setState(TRIAL_STATE_PRUNED).build());
            } else {
                trials.add(t.setState(TRIAL_STATE_SUCCEEDED).setObjectiveValue(finalLoss).build());
            }
        }
        String best = bestName;
        assertThat(trials)
                .filteredOn(t -> t.getName().equals(best))
                .extracting(Trial::getState)
                .containsExactly(TRIAL_STATE_SUCCEEDED);
        assertThat(pruned).isGreaterThanOrEqualTo(25);
        // Full training would cost 4000 steps.
        assertThat(steps).isLessThan(2000);
    }

    @Test
    void nanPrunesAndOtherTrialsNanCountsAsWorst() {
        Trial nan = at("x", 10, Double.NaN);
        assertThat(decide(ASHA, List.of(), nan).pruned()).isTrue();
        List<Trial> diverged = List.of(at("a", 10, Double.NaN), at("b", 10, Double.NaN));
        assertThat(decide(ASHA, diverged, at("x", 10, 4.0)).pruned()).isFalse();
        assertThat(
                        decide(
                                        ASHA,
                                        List.of(
                                                Curves.trial(
                                                        "s", TRIAL_STATE_SUCCEEDED, 1.6, 10, 20)),
                                        at("x", 10, 9))
                                .pruned())
                .isTrue();
    }
}
