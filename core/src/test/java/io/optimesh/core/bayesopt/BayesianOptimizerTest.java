package io.optimesh.core.bayesopt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class BayesianOptimizerTest {

    /** Branin-Hoo on [-5, 10] x [0, 15]; its minimum 0.397887 is reached at three points. */
    static double branin(double[] x) {
        double a = 1;
        double b = 5.1 / (4 * Math.PI * Math.PI);
        double c = 5 / Math.PI;
        double r = 6;
        double s = 10;
        double t = 1 / (8 * Math.PI);
        double u = x[1] - b * x[0] * x[0] + c * x[0] - r;
        return a * u * u + s * (1 - t) * Math.cos(x[0]) + s;
    }

    static final double BRANIN_MINIMUM = 0.397887357729738;

    private static double minimise(BayesianOptimizer bo, ToDoubleFunction<double[]> f, int evaluations) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < evaluations; i++) {
            double[] x = bo.suggest().point();
            double y = f.applyAsDouble(x);
            bo.observe(x, y);
            best = Math.min(best, y);
        }
        return best;
    }

    @Test
    void findsTheMinimumOfAOneDimensionalQuadraticFromItsEndPointsInAFewEvaluations() {
        // Seed 002's start: both ends of [alpha, 1], then GP-Hedge.
        Box box = Box.interval(0.2, 1.0);
        ToDoubleFunction<double[]> f = x -> 2.5 + 3 * (x[0] - 0.63) * (x[0] - 0.63);
        for (long seed = 0; seed < 3; seed++) {
            BayesianOptimizer bo = new BayesianOptimizer(box, List.of(new double[] {0.2}, new double[] {1.0}),
                    BayesianOptimizer.Settings.defaults(), seed);
            double best = minimise(bo, f, 8);
            // Within 1e-3 of the minimum 2.5: |x - 0.63| < 0.018.
            assertThat(best).as("seed %d", seed).isLessThan(2.5 + 1e-3);
            assertThat(bo.observations()).hasSize(8);
            assertThat(bo.predict(new double[] {0.63}).orElseThrow().mean()).isBetween(2.45, 2.55);
        }
    }

    @Test
    void beatsRandomSearchOnBraninAtEqualBudget() {
        Box box = new Box(new double[] {-5, 0}, new double[] {10, 15});
        int budget = 20;
        int seeds = 4;
        // Fewer candidates and restarts than the defaults keep the test to a few seconds; BO still wins.
        BayesianOptimizer.Settings settings = new BayesianOptimizer.Settings(BayesianOptimizer.Strategy.GP_HEDGE,
                0.01, 1.96, 1, 2, 128, 2);
        double boGap = 0;
        double randomGap = 0;
        for (long seed = 0; seed < seeds; seed++) {
            BayesianOptimizer bo = new BayesianOptimizer(box, BayesianOptimizer.sobolDesign(box, 5, seed),
                    settings, seed);
            boGap += minimise(bo, BayesianOptimizerTest::branin, budget) - BRANIN_MINIMUM;
            double bestRandom = Double.POSITIVE_INFINITY;
            for (double[] u : Designs.random(2, budget, new SplittableRandom(1000 + seed))) {
                bestRandom = Math.min(bestRandom, branin(box.fromUnit(u)));
            }
            randomGap += bestRandom - BRANIN_MINIMUM;
        }
        boGap /= seeds;
        randomGap /= seeds;
        // Random search at 20 points ends 0.1 to 20 above the minimum; BO within a few hundredths.
        assertThat(boGap).isLessThan(0.1);
        assertThat(boGap).isLessThan(randomGap / 3);
    }

    @Test
    void everyStrategyFindsTheQuadraticsValley() {
        Box box = Box.interval(0, 1);
        for (BayesianOptimizer.Strategy s : BayesianOptimizer.Strategy.values()) {
            BayesianOptimizer bo = new BayesianOptimizer(box, BayesianOptimizer.sobolDesign(box, 3, 7),
                    BayesianOptimizer.Settings.defaults().withStrategy(s), 7);
            double best = minimise(bo, x -> (x[0] - 0.31) * (x[0] - 0.31), 10);
            assertThat(best).as(s.name()).isLessThan(1e-3);
        }
    }

    @Test
    void suggestsTheInitialDesignFirstThenNamesTheAcquisition() {
        Box box = Box.interval(0.5, 1);
        BayesianOptimizer bo = new BayesianOptimizer(box, List.of(new double[] {0.5}, new double[] {1.0}),
                BayesianOptimizer.Settings.defaults(), 1);
        BayesianOptimizer.Suggestion first = bo.suggest();
        assertThat(first.point()).containsExactly(0.5);
        assertThat(first.proposer()).isEqualTo(BayesianOptimizer.Proposer.INITIAL_DESIGN);
        bo.observe(first.point(), 1.0);
        assertThat(bo.suggest().point()).containsExactly(1.0);
        bo.observe(new double[] {1.0}, 2.0);
        BayesianOptimizer.Suggestion third = bo.suggest();
        assertThat(third.proposer()).isNotEqualTo(BayesianOptimizer.Proposer.INITIAL_DESIGN);
        assertThat(box.contains(third.point())).isTrue();
        assertThat(bo.best().orElseThrow().value()).isEqualTo(1.0);
        assertThatThrownBy(() -> bo.observe(new double[] {0.2}, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bo.observe(new double[] {0.7}, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
