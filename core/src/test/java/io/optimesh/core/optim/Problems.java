package io.optimesh.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

/** The small problems the update-rule tests share. */
final class Problems {

    /** Curvatures and minimum of f(x) = 1/2 sum a_i (x_i - c_i)^2: condition number 16. */
    static final float[] CURVATURE = {1f, 4f, 0.25f};

    static final float[] MINIMUM = {1f, -2f, 0.5f};

    /** fp32 rounding compounded over a few steps, relative to the values' scale. */
    static final double TOLERANCE = 2e-6;

    private Problems() {}

    /**
     * Runs the algorithm from 0 on the quadratic, with the learning rate decaying linearly from
     * lr to 0 over the steps, as a schedule would; returns the distance to the minimum.
     */
    static double distanceAfter(
            Algorithm algorithm, Map<String, Double> hyperparameters, double lr, int steps) {
        UpdateRule rule = algorithm.configure(hyperparameters);
        float[] x = new float[3];
        float[][] state = algorithm.newState(new int[] {3});
        float[] g = new float[3];
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < 3; i++) {
                g[i] = CURVATURE[i] * (x[i] - MINIMUM[i]);
            }
            rule.apply(x, g, state, t, lr * (1 - (t - 1) / (double) steps), 0);
        }
        double squares = 0;
        for (int i = 0; i < 3; i++) {
            squares += (x[i] - MINIMUM[i]) * (x[i] - MINIMUM[i]);
        }
        return Math.sqrt(squares);
    }

    /** The gradient as the fp32 rule receives it, read back in double for the reference. */
    static float[] fp32(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    static double[] widen(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }

    static void assertClose(String what, float[] actual, double[] expected) {
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i])
                    .as(what + "[" + i + "]")
                    .isCloseTo(expected[i], within(TOLERANCE * Math.max(1, Math.abs(expected[i]))));
        }
    }
}
