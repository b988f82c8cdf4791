package io.optimesh.merge.method;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Seed 002's merge of two adjacent checkpoints, {@code lambda * theta_t + (1 - lambda) * theta_(t-1)}: the
 * inputs are given oldest first, so this is the linear merge with weights {@code (1 - lambda, lambda)}.
 * {@code lambda = 1} returns the latest checkpoint, {@code lambda = 0} the previous one.
 */
public final class AdjacentMerge implements ElementwiseMerge {

    private static final JsonMapper JSON = new JsonMapper();

    private final double lambda;
    private final LinearMerge linear;

    private AdjacentMerge(double lambda) {
        this.lambda = lambda;
        this.linear = LinearMerge.of(1 - lambda, lambda);
    }

    /** @throws IllegalArgumentException unless {@code 0 <= lambda <= 1} */
    public static AdjacentMerge of(double lambda) {
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("lambda must lie in [0, 1], got " + lambda);
        }
        return new AdjacentMerge(lambda);
    }

    public double lambda() {
        return lambda;
    }

    /** The weights applied to (previous, latest). */
    public double[] weights() {
        return linear.weights();
    }

    @Override
    public String name() {
        return "adjacent";
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Map<String, String> parameters() {
        try {
            return Map.of("lambda", JSON.writeValueAsString(lambda), "weights", JSON.writeValueAsString(linear.weights()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void combine(double[][] inputs, int length, double[] out) {
        linear.combine(inputs, length, out);
    }

    @Override
    public String toString() {
        return "adjacent(lambda=" + lambda + ")";
    }
}
