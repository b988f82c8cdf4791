package io.optimesh.core.bayesopt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.SimpleBounds;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.hipparchus.optim.univariate.BrentOptimizer;
import org.hipparchus.optim.univariate.SearchInterval;
import org.hipparchus.optim.univariate.UnivariateObjectiveFunction;

/**
 * Maximises an acquisition over the unit box: scores many Sobol points, then polishes the best few by a
 * bounded local search (Brent in one dimension, BOBYQA in more), and returns the best point found.
 */
public final class AcquisitionMaximizer {

    private final int candidates;
    private final int localStarts;

    /**
     * @param candidates Sobol points scored per dimension (capped at 8192 in all)
     * @param localStarts best candidates polished by local search
     */
    public AcquisitionMaximizer(int candidates, int localStarts) {
        if (candidates < 1 || localStarts < 0) {
            throw new IllegalArgumentException("need at least one candidate and no negative local starts");
        }
        this.candidates = candidates;
        this.localStarts = localStarts;
    }

    /** The point of the unit box with the largest {@code acquisition} found. */
    public double[] maximize(int dimensions, ToDoubleFunction<double[]> acquisition, SplittableRandom random) {
        int n = Math.min(8192, candidates * dimensions);
        List<Scored> scored = new ArrayList<>(n);
        for (double[] p : Designs.sobol(dimensions, n, random)) {
            scored.add(new Scored(p, acquisition.applyAsDouble(p)));
        }
        scored.sort(Comparator.comparingDouble(Scored::value).reversed());
        Scored best = scored.get(0);
        double spacing = Math.pow(1.0 / n, 1.0 / dimensions);
        for (int i = 0; i < Math.min(localStarts, scored.size()); i++) {
            Scored polished = dimensions == 1
                    ? brent(scored.get(i).point()[0], 2 * spacing, acquisition)
                    : bobyqa(scored.get(i).point(), acquisition);
            if (polished.value() > best.value()) {
                best = polished;
            }
        }
        return best.point().clone();
    }

    private record Scored(double[] point, double value) {
    }

    private static Scored brent(double x, double radius, ToDoubleFunction<double[]> acquisition) {
        double lo = Math.max(0, x - radius);
        double hi = Math.min(1, x + radius);
        try {
            var result = new BrentOptimizer(1e-8, 1e-12).optimize(new MaxEval(200), GoalType.MAXIMIZE,
                    new UnivariateObjectiveFunction(t -> acquisition.applyAsDouble(new double[] {t})),
                    new SearchInterval(lo, hi, x));
            return new Scored(new double[] {result.getPoint()}, result.getValue());
        } catch (MathIllegalStateException e) {
            return new Scored(new double[] {x}, acquisition.applyAsDouble(new double[] {x}));
        }
    }

    private static Scored bobyqa(double[] start, ToDoubleFunction<double[]> acquisition) {
        int d = start.length;
        double[] lower = new double[d];
        double[] upper = new double[d];
        Arrays.fill(upper, 1);
        // BOBYQA wants its first trust region inside the box: start a little off the faces.
        double[] guess = start.clone();
        for (int i = 0; i < d; i++) {
            guess[i] = Math.min(0.95, Math.max(0.05, guess[i]));
        }
        try {
            var result = new BOBYQAOptimizer(2 * d + 1, 0.05, 1e-6).optimize(new MaxEval(300),
                    new ObjectiveFunction(acquisition::applyAsDouble), GoalType.MAXIMIZE, new InitialGuess(guess),
                    new SimpleBounds(lower, upper));
            return new Scored(result.getPoint(), result.getValue());
        } catch (MathIllegalStateException e) {
            return new Scored(start, acquisition.applyAsDouble(start));
        }
    }
}
