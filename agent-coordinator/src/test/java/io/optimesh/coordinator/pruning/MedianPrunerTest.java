package io.optimesh.coordinator.pruning;

import static io.optimesh.v1.TrialState.TRIAL_STATE_RUNNING;
import static io.optimesh.v1.TrialState.TRIAL_STATE_SUCCEEDED;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.Trial;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class MedianPrunerTest {

    /** Five succeeded trials ending at 1.6 .. 2.0, reporting every 25 steps. */
    private static List<Trial> succeeded(int n) {
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            trials.add(
                    Curves.trial("t" + i, TRIAL_STATE_SUCCEEDED, 1.6 + 0.1 * i, 25, 50, 75, 100));
        }
        return trials;
    }

    private static PruneDecision decide(MedianPruner p, List<Trial> others, Trial trial) {
        List<Trial> all = new ArrayList<>(others);
        all.add(trial);
        return p.decide(trial, all);
    }

    @Test
    void aTrialWorseThanTheMedianAtTheSameStepIsPruned() {
        MedianPruner p = new MedianPruner(5, 0, 1);
        // At step 25 the median of the five is the 1.8 curve's 3.88125.
        PruneDecision worse =
                decide(p, succeeded(5), Curves.trial("x", TRIAL_STATE_RUNNING, 1.85, 25));
        assertThat(worse.pruned()).isTrue();
        assertThat(worse.reason()).contains("3.9031").contains("3.88125").contains("5 succeeded");
        Trial better = Curves.trial("y", TRIAL_STATE_RUNNING, 1.75, 25);
        assertThat(decide(p, succeeded(5), better).pruned()).isFalse();
    }

    @Test
    void nothingIsPrunedBeforeTheStartupTrialsHaveSucceeded() {
        MedianPruner p = new MedianPruner(5, 0, 1);
        Trial bad = Curves.trial("x", TRIAL_STATE_RUNNING, 3.0, 25);
        PruneDecision early = decide(p, succeeded(4), bad);
        assertThat(early.pruned()).isFalse();
        assertThat(early.reason()).isEqualTo("4 of 5 start-up trials have succeeded");
        assertThat(decide(p, succeeded(5), bad).pruned()).isTrue();
    }

    @Test
    void warmUpStepsAreNeverJudged() {
        MedianPruner p = new MedianPruner(5, 30, 1);
        Trial bad = Curves.trial("x", TRIAL_STATE_RUNNING, 3.0, 25);
        assertThat(decide(p, succeeded(5), bad).pruned()).isFalse();
        assertThat(
                        decide(p, succeeded(5), Curves.trial("x", TRIAL_STATE_RUNNING, 3.0, 25, 50))
                                .pruned())
                .isTrue();
    }

    @Test
    void onlyTheFirstReportOfEachIntervalIsJudged() {
        Trial bad =
                Curves.reports(
                        "x",
                        TRIAL_STATE_RUNNING,
                        new long[] {25, 50, 75},
                        new double[] {1.0, 1.0, 9.0});
        // At 75 the best so far (1.0) beats every median: use a trial whose every report is bad.
        Trial allBad =
                Curves.reports(
                        "x",
                        TRIAL_STATE_RUNNING,
                        new long[] {25, 50, 75},
                        new double[] {9.0, 9.0, 9.0});
        assertThat(decide(new MedianPruner(5, 0, 1), succeeded(5), bad).pruned()).isFalse();
        assertThat(decide(new MedianPruner(5, 0, 1), succeeded(5), allBad).pruned()).isTrue();
        // Every 50 steps: 75 shares its interval [50, 100) with the report at 50.
        PruneDecision skipped = decide(new MedianPruner(5, 0, 50), succeeded(5), allBad);
        assertThat(skipped.pruned()).isFalse();
        assertThat(skipped.reason()).isEqualTo("not the first report of its interval");
    }

    @Test
    void stepsNoSucceededTrialReportedAtGiveNoVerdictAndNanPrunes() {
        MedianPruner p = new MedianPruner(5, 0, 1);
        PruneDecision offGrid =
                decide(p, succeeded(5), Curves.trial("x", TRIAL_STATE_RUNNING, 3.0, 30));
        assertThat(offGrid.pruned()).isFalse();
        assertThat(offGrid.reason()).contains("no succeeded trial reported at step 30");
        Trial nan =
                Curves.reports(
                        "x", TRIAL_STATE_RUNNING, new long[] {25}, new double[] {Double.NaN});
        assertThat(decide(p, succeeded(5), nan).pruned()).isTrue();
    }

    @Test
    void theMedianIsNumpysLinearPercentile() {
        assertThat(MedianPruner.percentile(List.of(4.0, 1.0, 3.0, 2.0), 50)).isEqualTo(2.5);
        assertThat(MedianPruner.percentile(List.of(5.0, 1.0, 3.0), 50)).isEqualTo(3.0);
        assertThat(MedianPruner.percentile(List.of(1.0, 2.0, 3.0, 4.0, 5.0), 25)).isEqualTo(2.0);
    }
}
