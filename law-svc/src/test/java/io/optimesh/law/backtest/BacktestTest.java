package io.optimesh.law.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.model.PowerLaw;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BacktestTest {

    private static final double[] TRUTH = {2.2, 0.8, 0.35};

    /** A curve that follows the LR-area power law exactly, under a warmup + linear decay to {@code end}. */
    private static LossCurve curve(String name, int end, double floorRatio) {
        int total = end;
        double[] lrs = new double[total + 1];
        for (int s = 0; s <= total; s++) {
            lrs[s] = s < 500 ? 1e-3 * s / 500 : 1e-3 * (1 - (1 - floorRatio) * (s - 500) / (total - 500.0));
        }
        List<Integer> steps = new ArrayList<>();
        for (int s = 500; s <= total; s += 100) {
            steps.add(s);
        }
        int[] st = steps.stream().mapToInt(Integer::intValue).toArray();
        double[] losses = new double[st.length];
        PowerLaw.ofLrArea().prepare(lrs, st).evaluate(TRUTH, losses, null);
        // A small deterministic wiggle keeps the residual noise above zero.
        for (int i = 0; i < losses.length; i++) {
            losses[i] *= 1 + 1e-3 * Math.sin(1.7 * i);
        }
        return LossCurve.of(name, st, losses, lrs);
    }

    @Test
    void leaveOneOutPredictsEachHeldOutCurveFromTheOthers() {
        List<LossCurve> curves = List.of(curve("a", 6000, 0.1), curve("b", 9000, 0.5), curve("c", 12000, 1.0));

        Backtest.LeaveOneOut loo = new Backtest(new LawFitter(), 0.95).leaveOneOut(PowerLaw.ofLrArea(), curves);

        assertThat(loo.folds()).hasSize(3);
        assertThat(loo.folds().get(0).fitCurves()).containsExactly("b", "c");
        assertThat(loo.folds()).extracting(f -> f.curves().get(0).name()).containsExactly("a", "b", "c");
        CurveError overall = loo.overall();
        assertThat(overall.points()).isEqualTo(56 + 86 + 116);
        assertThat(overall.meanRelativeError()).isLessThan(1.5e-3);
        assertThat(overall.worstRelativeError()).isLessThan(4e-3);
        assertThat(loo.coverage()).isBetween(0.8, 1.0);
    }

    @Test
    void reportsPerCurveAndPooledErrorsOfAFittedLaw() {
        List<LossCurve> curves = List.of(curve("a", 6000, 0.1), curve("b", 9000, 0.5));

        BacktestReport report = new Backtest(new LawFitter(), 0.9).run(PowerLaw.ofLrArea(), curves, curves);

        assertThat(report.curves()).extracting(CurveError::name).containsExactly("a", "b");
        double pooledMean = (report.curves().get(0).meanRelativeError() * 56
                + report.curves().get(1).meanRelativeError() * 86) / 142;
        assertThat(report.overall().meanRelativeError()).isCloseTo(pooledMean, within(1e-15));
        assertThat(report.overall().worstRelativeError()).isEqualTo(Math.max(report.curves().get(0).worstRelativeError(),
                report.curves().get(1).worstRelativeError()));
        assertThat(report.law().values()[2]).isCloseTo(TRUTH[2], within(0.01));
        assertThat(report.level()).isEqualTo(0.9);
    }
}
