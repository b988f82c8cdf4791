package io.optimesh.core.bayesopt;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hipparchus.random.SobolSequenceGenerator;

/** Space-filling and baseline designs in the unit box; map them with {@link Box#fromUnit}. */
public final class Designs {

    private Designs() {
    }

    /**
     * The first {@code n} points of the Sobol sequence, shifted by one random vector modulo 1
     * (Cranley-Patterson rotation) so that seeds give different designs with the same spread.
     */
    public static List<double[]> sobol(int dimensions, int n, SplittableRandom random) {
        SobolSequenceGenerator sobol = new SobolSequenceGenerator(dimensions);
        double[] shift = new double[dimensions];
        for (int i = 0; i < dimensions; i++) {
            shift[i] = random.nextDouble();
        }
        List<double[]> points = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            double[] p = sobol.nextVector();
            for (int i = 0; i < dimensions; i++) {
                p[i] = (p[i] + shift[i]) % 1.0;
            }
            points.add(p);
        }
        return points;
    }

    /** A Latin hypercube: each coordinate takes one uniform point in each of {@code n} equal strata. */
    public static List<double[]> latinHypercube(int dimensions, int n, SplittableRandom random) {
        double[][] points = new double[n][dimensions];
        int[] order = new int[n];
        for (int i = 0; i < dimensions; i++) {
            for (int k = 0; k < n; k++) {
                order[k] = k;
            }
            for (int k = n - 1; k > 0; k--) {
                int j = random.nextInt(k + 1);
                int t = order[k];
                order[k] = order[j];
                order[j] = t;
            }
            for (int k = 0; k < n; k++) {
                points[k][i] = (order[k] + random.nextDouble()) / n;
            }
        }
        return List.of(points);
    }

    /** {@code n} independent uniform points. */
    public static List<double[]> random(int dimensions, int n, SplittableRandom random) {
        List<double[]> points = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            double[] p = new double[dimensions];
            for (int i = 0; i < dimensions; i++) {
                p[i] = random.nextDouble();
            }
            points.add(p);
        }
        return points;
    }

    /**
     * The full grid with the most points per dimension, {@code k = floor(budget^(1/d))}, that fits in
     * {@code budget}, bounds included ({@code k} evenly spaced values from 0 to 1; the centre when
     * {@code k = 1}). In one dimension it uses the whole budget.
     */
    public static List<double[]> grid(int dimensions, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("a grid needs a budget of at least 1, got " + budget);
        }
        int k = (int) Math.floor(Math.pow(budget, 1.0 / dimensions) + 1e-9);
        while (Math.pow(k + 1, dimensions) <= budget) {
            k++;
        }
        int total = (int) Math.pow(k, dimensions);
        List<double[]> points = new ArrayList<>(total);
        int[] index = new int[dimensions];
        for (int n = 0; n < total; n++) {
            double[] p = new double[dimensions];
            for (int i = 0; i < dimensions; i++) {
                p[i] = k == 1 ? 0.5 : (double) index[i] / (k - 1);
            }
            points.add(p);
            for (int i = dimensions - 1; i >= 0; i--) {
                if (++index[i] < k) {
                    break;
                }
                index[i] = 0;
            }
        }
        return points;
    }
}
