package io.optimesh.law.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.optimesh.law.fit.HuberLoss;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.model.MultiPowerLaw;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnlineRefitsTest {

    private static OnlineRefits refits(int minPoints, int refitEvery) {
        return new OnlineRefits(new OnlineRefits.Settings(new MultiPowerLaw(), minPoints, refitEvery, 0.9),
                FITTER);
    }

    /** Fewer starts than the service's 64: the tests fit many times on a shared machine. */
    static final LawFitter FITTER = new LawFitter(new LawFitter.Options(HuberLoss.PAPER, 16, 2, 300));

    /** Feeds steps [from, to) of the logged curve in batches of 10, collecting each refit. */
    private static List<OnlineRefits.RunPrediction> feed(OnlineRefits refits, double[] logged, int from, int to) {
        List<OnlineRefits.RunPrediction> out = new ArrayList<>();
        for (int s = from; s < to; s++) {
            refits.observed("r1", s, logged[s]);
            if ((s + 1) % 10 == 0) {
                out.addAll(refits.refitDue());
            }
        }
        out.addAll(refits.refitDue());
        return out;
    }

    @Test
    void refitsAfterMinPointsPastWarmupThenEveryRefitEveryPoints() {
        OnlineRefits refits = refits(40, 50);
        refits.started("r1", "studies/s/trials/t", SyntheticRun.LRS, SyntheticRun.STEPS, SyntheticRun.WARMUP);
        double[] logged = SyntheticRun.logged(1);

        // Warmup points do not count: 60 warmup steps and 39 after it are not enough.
        assertThat(feed(refits, logged, 0, SyntheticRun.WARMUP + 39)).isEmpty();
        List<OnlineRefits.RunPrediction> first = feed(refits, logged, SyntheticRun.WARMUP + 39, SyntheticRun.WARMUP + 40);
        assertThat(first).singleElement().satisfies(p -> {
            assertThat(p.run()).isEqualTo("r1");
            assertThat(p.trial()).isEqualTo("studies/s/trials/t");
            assertThat(p.observedPoints()).isEqualTo(40);
            assertThat(p.observedStep()).isEqualTo(SyntheticRun.WARMUP + 39);
            assertThat(p.finalLoss().steps()).containsExactly(SyntheticRun.STEPS - 1);
        });
        // 49 more points: not yet; the 50th: a refit.
        assertThat(feed(refits, logged, SyntheticRun.WARMUP + 40, SyntheticRun.WARMUP + 89)).isEmpty();
        assertThat(feed(refits, logged, SyntheticRun.WARMUP + 89, SyntheticRun.WARMUP + 90)).singleElement()
                .satisfies(p -> assertThat(p.observedPoints()).isEqualTo(90));
    }

    /** A tail shorter than refitEvery still gets its fit once the run's last step arrives. */
    @Test
    void theLastStepIsAlwaysFitted() {
        OnlineRefits refits = refits(40, 150);
        refits.started("r1", "", SyntheticRun.LRS, SyntheticRun.STEPS, SyntheticRun.WARMUP);
        List<OnlineRefits.RunPrediction> predictions = feed(refits, SyntheticRun.logged(3), 0, SyntheticRun.STEPS);
        assertThat(predictions).extracting(OnlineRefits.RunPrediction::observedPoints)
                .containsExactly(40, 190, 340, 490, 540);
        assertThat(predictions.get(predictions.size() - 1).observedStep()).isEqualTo(SyntheticRun.STEPS - 1);
        assertThat(refits.refitDue()).as("nothing new since").isEmpty();
    }

    @Test
    void predictionOfTheFinalLossTightensAroundTheTruthAsTheCurveArrives() {
        OnlineRefits refits = refits(40, 100);
        refits.started("r1", "", SyntheticRun.LRS, SyntheticRun.STEPS, SyntheticRun.WARMUP);
        List<OnlineRefits.RunPrediction> predictions = feed(refits, SyntheticRun.logged(2), 0, SyntheticRun.STEPS);
        double truth = SyntheticRun.truth()[SyntheticRun.STEPS - 1];

        // Fits at 40, 140, ..., 540 points past warmup (steps 60..599).
        assertThat(predictions).extracting(OnlineRefits.RunPrediction::observedPoints)
                .containsExactly(40, 140, 240, 340, 440, 540);
        OnlineRefits.RunPrediction last = predictions.get(predictions.size() - 1);
        assertThat(last.observedStep()).isEqualTo(SyntheticRun.STEPS - 1);
        double loss = last.finalLoss().finalLoss();
        double lower = last.finalLoss().lower()[0];
        double upper = last.finalLoss().upper()[0];
        assertThat(Math.abs(loss / truth - 1)).as("relative error of the final prediction").isLessThan(0.005);
        assertThat(truth).isBetween(lower, upper);
        // The interval holds the 1% point noise at 90%: about +-1.6%, a little more for the parameters.
        assertThat(upper / lower).isBetween(1.02, 1.08);

        // Halfway through the anneal the prediction is off by a few percent, and its wider interval says so.
        OnlineRefits.RunPrediction half = predictions.stream().filter(p -> p.observedStep() >= SyntheticRun.STEPS / 2)
                .findFirst().orElseThrow();
        double halfWidth = half.finalLoss().upper()[0] / half.finalLoss().lower()[0];
        assertThat(Math.abs(half.finalLoss().finalLoss() / truth - 1)).isLessThan(0.05);
        assertThat(truth).isBetween(half.finalLoss().lower()[0], half.finalLoss().upper()[0]);
        assertThat(halfWidth).isGreaterThanOrEqualTo(upper / lower);
    }

    /**
     * Validation loss runs 0.15 above the training curve here: the forecast on the validation scale carries that
     * gap, so a pruner comparing it with a trial's objective (a validation loss) compares like with like.
     */
    @Test
    void anEvaluationShiftsTheFinalForecastOntoTheValidationScale() {
        OnlineRefits refits = refits(40, 1000);
        refits.started("r1", "", SyntheticRun.LRS, SyntheticRun.STEPS, SyntheticRun.WARMUP);
        double[] logged = SyntheticRun.logged(4);
        double[] truth = SyntheticRun.truth();
        OnlineRefits.RunPrediction beforeEvaluation = feed(refits, logged, 0, 300).get(0);
        assertThat(beforeEvaluation.finalValidationLoss()).isEmpty();

        refits.evaluated("r1", 10, truth[10] + 0.15); // in warmup, where the law is not fitted: ignored
        refits.evaluated("r1", 299, truth[299] + 0.15);
        refits.evaluated("r1", 200, truth[200] + 0.5); // older than the latest: ignored
        // Points arrived since the last fit: the evaluation makes the run due now, not after refitEvery more.
        OnlineRefits.RunPrediction p = refits.refitDue().get(0);
        assertThat(p.observedPoints()).isEqualTo(240);
        refits.evaluated("r1", 299, truth[299] + 0.15);
        assertThat(refits.refitDue()).as("an evaluation without new points refits nothing").isEmpty();

        OnlineRefits.ValidationForecast v = p.finalValidationLoss().orElseThrow();
        assertThat(v.gapStep()).isEqualTo(299);
        assertThat(v.gap()).isCloseTo(0.15, offset(0.03));
        assertThat(v.step()).isEqualTo(SyntheticRun.STEPS - 1);
        assertThat(v.loss()).isCloseTo(p.finalLoss().finalLoss() + v.gap(), offset(1e-12));
        assertThat(v.lower()).isCloseTo(p.finalLoss().lower()[0] + v.gap(), offset(1e-12));
        assertThat(v.upper()).isCloseTo(p.finalLoss().upper()[0] + v.gap(), offset(1e-12));
    }

    @Test
    void aRepeatedStepReplacesItAndWhatFollowedAndAnEndedRunIsForgotten() {
        OnlineRefits refits = refits(40, 1000);
        refits.started("r1", "", SyntheticRun.LRS, SyntheticRun.STEPS, SyntheticRun.WARMUP);
        double[] logged = SyntheticRun.logged(3);
        assertThat(feed(refits, logged, 0, 200)).singleElement()
                .satisfies(p -> assertThat(p.observedPoints()).isEqualTo(40));
        // A resumed run re-trains from step 150: steps 150..199 arrive again and replace the first ones.
        refits.started("r1", "", SyntheticRun.LRS, SyntheticRun.STEPS, SyntheticRun.WARMUP);
        assertThat(feed(refits, logged, 150, 200)).isEmpty();
        assertThat(refits.follows("r1")).isTrue();

        refits.ended("r1");
        assertThat(refits.follows("r1")).isFalse();
        refits.observed("r1", 300, 3.0);
        assertThat(refits.refitDue()).isEmpty();
    }

    @Test
    void nonFiniteLossesAreNotFittedAndSettingsAreChecked() {
        OnlineRefits refits = refits(40, 10);
        refits.started("r1", "", SyntheticRun.LRS, SyntheticRun.STEPS, SyntheticRun.WARMUP);
        for (int s = SyntheticRun.WARMUP; s < SyntheticRun.WARMUP + 45; s++) {
            refits.observed("r1", s, s % 2 == 0 ? Double.NaN : 4.0 - s * 1e-3);
        }
        assertThat(refits.refitDue()).isEmpty();

        assertThatThrownBy(() -> refits(7, 10)).hasMessageContaining("7 parameters");
        assertThatThrownBy(() -> refits.started("r2", "", SyntheticRun.LRS, SyntheticRun.STEPS + 1, 0))
                .hasMessageContaining("covers 600");
    }
}
