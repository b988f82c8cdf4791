package io.optimesh.merge.search;

import io.optimesh.core.bayesopt.Box;
import java.util.ArrayList;
import java.util.List;

/**
 * How a merge method's weights are searched: a box of coordinates, the weights a point of it stands for
 * (as a MergeCheckpoints request takes them), and the points every search starts from. A method that takes
 * a weight vector joins the search by giving its space here.
 */
public interface WeightSpace {

    Box box();

    /** The weights of the merge at {@code point}, a point of {@link #box()}. */
    List<Double> weights(double[] point);

    /** The points the Bayesian search evaluates first. */
    List<double[]> initialDesign();

    /**
     * Seed 002's adjacent merge {@code lambda theta_t + (1 - lambda) theta_(t-1)}, {@code lambda} in
     * {@code [alpha, 1]}, starting from both ends: {@code lambda = alpha} and {@code lambda = 1} (the latest
     * checkpoint itself).
     */
    static WeightSpace adjacent(double alpha) {
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must lie in [0, 1), got " + alpha);
        }
        Box box = Box.interval(alpha, 1);
        return new WeightSpace() {
            @Override
            public Box box() {
                return box;
            }

            @Override
            public List<Double> weights(double[] point) {
                return List.of(point[0]);
            }

            @Override
            public List<double[]> initialDesign() {
                return List.of(new double[] {alpha}, new double[] {1});
            }
        };
    }

    /**
     * A weighted average of {@code n} checkpoints (oldest first), weights on the simplex. The point's
     * coordinates break the stick from the newest checkpoint back: the newest gets {@code u_1}, the next
     * {@code (1 - u_1) u_2}, ..., the oldest what is left; so two checkpoints are {@code (1 - t, t)} with
     * {@code t} the weight of the newer, as in the adjacent merge. Starts from every single checkpoint and
     * the plain average.
     */
    static WeightSpace linear(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("a weight search needs at least two checkpoints, got " + n);
        }
        Box box = Box.unit(n - 1);
        return new WeightSpace() {
            @Override
            public Box box() {
                return box;
            }

            @Override
            public List<Double> weights(double[] point) {
                double[] w = new double[n];
                double rest = 1;
                for (int k = 0; k < n - 1; k++) {
                    w[n - 1 - k] = rest * point[k];
                    rest -= w[n - 1 - k];
                }
                w[0] = rest;
                List<Double> weights = new ArrayList<>(n);
                for (double v : w) {
                    weights.add(v);
                }
                return weights;
            }

            @Override
            public List<double[]> initialDesign() {
                List<double[]> design = new ArrayList<>();
                // Checkpoint i alone, newest first: the stick broken whole at coordinate n - 1 - i.
                for (int i = n - 1; i >= 0; i--) {
                    double[] p = new double[n - 1];
                    int k = n - 1 - i;
                    if (k < n - 1) {
                        p[k] = 1;
                    }
                    design.add(p);
                }
                // The plain average: u_k = 1 / (n - k).
                double[] average = new double[n - 1];
                for (int k = 0; k < n - 1; k++) {
                    average[k] = 1.0 / (n - k);
                }
                design.add(average);
                return design;
            }
        };
    }
}
