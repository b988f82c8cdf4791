package io.optimesh.merge.search;

import io.optimesh.core.bayesopt.BayesianOptimizer.Proposer;
import java.util.List;

/**
 * One evaluated candidate: its index in evaluation order, the point of the weight space, the merge's
 * weights, the held-out loss, and what proposed it ({@code null} for a grid or random baseline).
 */
public record Evaluated(int candidate, double[] point, List<Double> weights, double loss, Proposer proposer) {

    public Evaluated {
        point = point.clone();
        weights = List.copyOf(weights);
    }

    @Override
    public double[] point() {
        return point.clone();
    }
}
