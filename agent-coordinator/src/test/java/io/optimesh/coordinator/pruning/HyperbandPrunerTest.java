package io.optimesh.coordinator.pruning;

import static io.optimesh.v1.TrialState.TRIAL_STATE_RUNNING;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.v1.Trial;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class HyperbandPrunerTest {

    private static Trial at(int index, long step, double value) {
        return Curves.reports(
                "t" + index, TRIAL_STATE_RUNNING, new long[] {step}, new double[] {value});
    }

    @Test
    void bracketsFollowOptunasBudgets() {
        assertThat(HyperbandPruner.brackets(10, 100, 3)).isEqualTo(3);
        assertThat(HyperbandPruner.brackets(10, 90, 3)).isEqualTo(3);
        assertThat(HyperbandPruner.brackets(10, 89, 3)).isEqualTo(2);
        assertThat(HyperbandPruner.brackets(10, 10, 3)).isEqualTo(1);
        // Three brackets: budgets ceil(3*9/3) = 9, ceil(3*3/2) = 5, ceil(3/1) = 3 of 17.
        HyperbandPruner h = new HyperbandPruner(10, 100, 3, 5);
        int[] counts = new int[h.bracketCount()];
        int n = 17_000;
        for (int i = 0; i < n; i++) {
            counts[h.bracketOf(i)]++;
        }
        assertThat(counts[0] / (double) n).isCloseTo(9 / 17.0, within(0.015));
        assertThat(counts[1] / (double) n).isCloseTo(5 / 17.0, within(0.015));
        assertThat(counts[2] / (double) n).isCloseTo(3 / 17.0, within(0.015));
    }

    @Test
    void theSeedAndTheIndexDetermineTheBracket() {
        HyperbandPruner a = new HyperbandPruner(10, 100, 3, 5);
        HyperbandPruner b = new HyperbandPruner(10, 100, 3, 5);
        HyperbandPruner other = new HyperbandPruner(10, 100, 3, 6);
        int differ = 0;
        for (int i = 0; i < 200; i++) {
            assertThat(a.bracketOf(i)).isEqualTo(b.bracketOf(i));
            differ += a.bracketOf(i) != other.bracketOf(i) ? 1 : 0;
        }
        assertThat(differ).isGreaterThan(50);
    }

    @Test
    void trialsCompeteOnlyWithinTheirBracketFromItsFirstRung() {
        HyperbandPruner h = new HyperbandPruner(10, 100, 3, 5);
        List<Integer> bracket0 = new ArrayList<>();
        List<Integer> bracket1 = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            if (h.bracketOf(i) == 0) {
                bracket0.add(i);
            } else if (h.bracketOf(i) == 1) {
                bracket1.add(i);
            }
        }
        int last = Math.max(bracket0.get(3), bracket1.get(3)) + 1;
        // Trials 0..last-1 with excellent losses in bracket 1 and poor ones in bracket 0.
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < last; i++) {
            trials.add(at(i, 30, bracket1.contains(i) ? 0.1 : 5.0));
        }
        int x = bracket0.stream().filter(i -> i >= last).findFirst().orElseThrow();
        while (trials.size() < x) {
            trials.add(at(trials.size(), 30, 0.1));
        }
        // Among bracket 0's trials (all at 5.0) a 4.0 is the best; bracket 1's 0.1s do not count.
        Trial candidate = at(x, 30, 4.0);
        trials.add(candidate);
        PruneDecision d = h.decide(candidate, trials);
        assertThat(d.pruned()).isFalse();
        assertThat(d.reason()).startsWith("bracket 0: promoted at rung 1");
        // Bracket 1's first rung is at 30: a bracket-1 trial at step 10 is not judged yet.
        int y = bracket1.get(0);
        Trial early = at(y, 10, 99);
        List<Trial> withEarly = new ArrayList<>(trials);
        withEarly.set(y, early);
        assertThat(h.decide(early, withEarly).reason())
                .isEqualTo("bracket 1: below the first rung (step 30)");
    }
}
