package io.optimesh.merge.search;

import io.optimesh.core.bayesopt.BayesianOptimizer;
import io.optimesh.core.bayesopt.BayesianOptimizer.Proposer;
import io.optimesh.core.bayesopt.Box;
import io.optimesh.core.bayesopt.Designs;
import io.optimesh.core.bayesopt.GaussianProcess;
import io.optimesh.core.bayesopt.HyperparameterFit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Searches the weights of a merge within a budget of held-out evaluations: Bayesian optimisation (GP-Hedge
 * over EI, PI and UCB, or one of them, from the space's initial design), or the grid or random baseline.
 *
 * <p>Candidates are rounded to {@value #RESOLUTION} of the box's width in each coordinate, and a candidate
 * already evaluated is answered from the cache instead of merged and evaluated again: only new candidates
 * count against the budget. A Bayesian search that keeps proposing evaluated points stops after
 * {@code 3 * budget} proposals.
 */
public final class WeightSearch {

    /** Rounding of the candidates, as a fraction of each coordinate's range. */
    public static final double RESOLUTION = 1e-4;

    /** Points of the posterior slice of a one-dimensional search. */
    public static final int POSTERIOR_POINTS = 101;

    private final WeightSpace space;
    private final SearchStrategy strategy;
    private final int budget;
    private final long seed;

    public WeightSearch(WeightSpace space, SearchStrategy strategy, int budget, long seed) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be at least 1, got " + budget);
        }
        this.space = space;
        this.strategy = strategy;
        this.budget = budget;
        this.seed = seed;
    }

    /** The posterior of the loss over a one-dimensional weight space, for plotting. */
    public record Posterior(double[] points, double[] mean, double[] standardDeviation) {
    }

    /** Every evaluation in order, the best, and the posterior when the space has one dimension. */
    public record Outcome(List<Evaluated> evaluations, Evaluated best, Optional<Posterior> posterior) {
        public Outcome {
            evaluations = List.copyOf(evaluations);
        }
    }

    /** Runs the search, telling {@code listener} of each new evaluation as it completes. */
    public Outcome run(MergeObjective objective, Consumer<Evaluated> listener) {
        Box box = space.box();
        Map<String, Evaluated> cache = new HashMap<>();
        List<Evaluated> evaluations = new ArrayList<>();
        BayesianOptimizer bo = switch (strategy) {
            case GRID, RANDOM -> null;
            default -> new BayesianOptimizer(box, space.initialDesign(),
                    BayesianOptimizer.Settings.defaults().withStrategy(bayesian(strategy)), seed);
        };
        List<double[]> baseline = switch (strategy) {
            case GRID -> Designs.grid(box.dimensions(), budget);
            case RANDOM -> Designs.random(box.dimensions(), budget, new SplittableRandom(seed));
            default -> List.of();
        };
        int proposals = 0;
        while (evaluations.size() < budget) {
            double[] point;
            Proposer proposer;
            if (bo != null) {
                if (proposals >= 3 * budget) {
                    break;
                }
                BayesianOptimizer.Suggestion s = bo.suggest();
                point = s.point();
                proposer = s.proposer();
            } else {
                if (proposals >= baseline.size()) {
                    break;
                }
                point = box.fromUnit(baseline.get(proposals));
                proposer = null;
            }
            proposals++;
            double[] rounded = round(box, point);
            String key = Arrays.toString(rounded);
            Evaluated known = cache.get(key);
            if (known == null) {
                List<Double> weights = space.weights(rounded);
                double loss = objective.loss(evaluations.size(), weights);
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("the objective returned " + loss + " for weights " + weights);
                }
                known = new Evaluated(evaluations.size(), rounded, weights, loss, proposer);
                cache.put(key, known);
                evaluations.add(known);
                listener.accept(known);
            }
            if (bo != null) {
                bo.observe(rounded, known.loss());
            }
        }
        Evaluated best = evaluations.stream().min(Comparator.comparingDouble(Evaluated::loss)).orElseThrow();
        return new Outcome(evaluations, best, posterior(box, evaluations, bo));
    }

    private static BayesianOptimizer.Strategy bayesian(SearchStrategy s) {
        return switch (s) {
            case GP_HEDGE -> BayesianOptimizer.Strategy.GP_HEDGE;
            case EXPECTED_IMPROVEMENT -> BayesianOptimizer.Strategy.EXPECTED_IMPROVEMENT;
            case PROBABILITY_OF_IMPROVEMENT -> BayesianOptimizer.Strategy.PROBABILITY_OF_IMPROVEMENT;
            case UPPER_CONFIDENCE_BOUND -> BayesianOptimizer.Strategy.UPPER_CONFIDENCE_BOUND;
            case GRID, RANDOM -> throw new IllegalArgumentException(s + " is not Bayesian");
        };
    }

    static double[] round(Box box, double[] point) {
        double[] u = box.toUnit(point);
        for (int i = 0; i < u.length; i++) {
            u[i] = Math.rint(u[i] / RESOLUTION) * RESOLUTION;
        }
        double[] x = box.fromUnit(u);
        // fromUnit can land a rounding error outside the box at the ends; the ends themselves are exact.
        double[] lower = box.lower();
        double[] upper = box.upper();
        for (int i = 0; i < x.length; i++) {
            x[i] = u[i] <= 0 ? lower[i] : u[i] >= 1 ? upper[i] : Math.min(upper[i], Math.max(lower[i], x[i]));
        }
        return x;
    }

    /** The process over the evaluations (the search's own when it was Bayesian), sampled across the interval. */
    private Optional<Posterior> posterior(Box box, List<Evaluated> evaluations, BayesianOptimizer bo) {
        if (box.dimensions() != 1 || evaluations.size() < 2) {
            return Optional.empty();
        }
        GaussianProcess gp;
        if (bo != null) {
            gp = bo.model().orElseThrow();
        } else {
            double[][] x = new double[evaluations.size()][];
            double[] y = new double[evaluations.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = box.toUnit(evaluations.get(i).point());
                y[i] = evaluations.get(i).loss();
            }
            gp = new HyperparameterFit(BayesianOptimizer.Settings.defaults().restarts())
                    .fit(x, y, new SplittableRandom(seed));
        }
        double[] points = new double[POSTERIOR_POINTS];
        double[] mean = new double[POSTERIOR_POINTS];
        double[] sd = new double[POSTERIOR_POINTS];
        for (int k = 0; k < POSTERIOR_POINTS; k++) {
            double u = (double) k / (POSTERIOR_POINTS - 1);
            points[k] = box.fromUnit(new double[] {u})[0];
            GaussianProcess.Prediction p = gp.predict(new double[] {u});
            mean[k] = p.mean();
            sd[k] = p.standardDeviation();
        }
        return Optional.of(new Posterior(points, mean, sd));
    }
}
