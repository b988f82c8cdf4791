package io.optimesh.law.optlaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.model.MultiPowerLaw;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.LinearFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupStableDecayFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptLawsModelTest {

    /** The MPL paper's 400M law stands in for real runs: it gives every schedule's final loss. */
    private static final FittedLaw TRUTH = FittedLaw.fixed(new MultiPowerLaw(),
            2.375, 0.654, 0.429, 523.4, 2.025, 0.594, 0.635);

    private static double[] lrs(int family, int total, int warmup, double peak) {
        Schedule.Builder s = Schedule.newBuilder().setTotalSteps(total).setPeakLr(peak).setMinLr(peak / 10)
                .setWarmup(Warmup.newBuilder().setSteps(warmup));
        switch (family) {
            case 0 -> s.setCosine(CosineFamily.getDefaultInstance());
            case 1 -> s.setConstant(ConstantFamily.getDefaultInstance());
            case 2 -> s.setLinear(LinearFamily.getDefaultInstance());
            default -> s.setWsd(WarmupStableDecayFamily.newBuilder().setDecayFraction(0.2));
        }
        return ScheduleEvaluator.evaluate(s.build());
    }

    /** Runs over four families, lengths and peaks; divergent when the peak outruns the warmup. */
    private static List<OptLawsModel.Run> runs(long seed, int n) {
        Random random = new Random(seed);
        List<OptLawsModel.Run> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int family = random.nextInt(4);
            int total = 8000 + 2000 * random.nextInt(9);
            int warmup = 200 * (1 + random.nextInt(10));
            double peak = 1e-4 * Math.pow(10, 1.6 * random.nextDouble());
            double[] lrs = lrs(family, total, warmup, peak);
            ScheduleFeatures features = ScheduleFeatures.of(lrs, 4e8, 0);
            // Unstable when the LR rises faster than 1e-6 per step or peaks above 2.5e-3.
            boolean diverged = peak / warmup > 1e-6 || peak > 2.5e-3;
            double loss = TRUTH.predict(lrs, new int[] {total - 1}, 0.9).finalLoss()
                    * Math.exp(0.002 * random.nextGaussian());
            out.add(new OptLawsModel.Run(features, loss, diverged));
        }
        return out;
    }

    @Test
    void predictsHeldOutFinalLossesAndDivergence() {
        List<OptLawsModel.Run> train = runs(1, 80);
        List<OptLawsModel.Run> test = runs(2, 60);
        OptLawsModel model = OptLawsModel.fit(train);

        double worst = 0;
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int inside = 0;
        int finished = 0;
        for (OptLawsModel.Run run : test) {
            OptLawsModel.Estimate e = model.predict(run.features(), 0.9);
            boolean flagged = e.divergenceRisk() > 0.5;
            tp += flagged && run.diverged() ? 1 : 0;
            fp += flagged && !run.diverged() ? 1 : 0;
            fn += !flagged && run.diverged() ? 1 : 0;
            if (!run.diverged()) {
                finished++;
                worst = Math.max(worst, Math.abs(e.loss() - run.finalLoss()) / run.finalLoss());
                inside += e.lower() <= run.finalLoss() && run.finalLoss() <= e.upper() ? 1 : 0;
            }
        }
        assertThat(finished).isGreaterThan(15);
        assertThat(worst).isLessThan(0.02);
        assertThat((double) inside / finished).isGreaterThan(0.75);
        double f1 = 2.0 * tp / (2.0 * tp + fp + fn);
        assertThat(f1).isGreaterThan(0.9);
    }

    @Test
    void roundTripsThroughItsNamedCoefficients() {
        OptLawsModel model = OptLawsModel.fit(runs(3, 60));
        OptLawsModel copy = OptLawsModel.of(model.values(), model.lossCovariance(), model.sigma());
        ScheduleFeatures f = ScheduleFeatures.of(lrs(0, 12_000, 1000, 3e-4), 4e8, 0);
        assertThat(copy.predict(f, 0.9)).isEqualTo(model.predict(f, 0.9));
        assertThat(OptLawsModel.names()).hasSize(model.values().length).startsWith("loss.intercept")
                .contains("risk.log_peak_lr");
    }

    @Test
    void readsTheScheduleItsFeaturesClaim() {
        ScheduleFeatures constant = ScheduleFeatures.of(lrs(1, 10_000, 1000, 1e-3), 1e8, 512);
        assertThat(constant.annealShare()).isZero();
        assertThat(constant.finalShare()).isEqualTo(1);
        assertThat(Math.exp(constant.logMaxRise())).isCloseTo(1e-3, within(1e-9));
        assertThat(Math.exp(constant.logWarmup()) - 1).isCloseTo(1000, within(1e-6));
        assertThat(Math.exp(constant.logTokens())).isCloseTo(10_000 * 512, within(1e-3));
        ScheduleFeatures cosine = ScheduleFeatures.of(lrs(0, 10_000, 1000, 1e-3), 1e8, 0);
        assertThat(cosine.annealShare()).isCloseTo(0.45, within(0.001));
        assertThat(cosine.finalShare()).isCloseTo(0.1, within(0.001));
    }

    @Test
    void needsMoreFinishedRunsThanCoefficients() {
        assertThatThrownBy(() -> OptLawsModel.fit(runs(4, 60).subList(0, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("did not diverge");
    }
}
