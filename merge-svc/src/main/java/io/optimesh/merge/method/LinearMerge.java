package io.optimesh.merge.method;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Weighted average of N checkpoints: {@code out = sum_i w_i * theta_i}, accumulated in double precision
 * and rounded once to each tensor's type. Covers uniform averaging (model soups, LAWA) and the
 * interpolation {@code lambda * theta_t + (1 - lambda) * theta_(t-1)} between adjacent checkpoints.
 */
public final class LinearMerge implements ElementwiseMerge {

    /** How far from 1 the weights given to {@link #of} may sum, to absorb decimal rounding. */
    static final double SUM_TOLERANCE = 1e-9;

    private static final JsonMapper JSON = new JsonMapper();

    private final double[] weights;

    private LinearMerge(double[] weights) {
        this.weights = weights;
    }

    /**
     * Weights that already sum to 1 (within 1e-9). Negative weights or weights above 1 are allowed and
     * extrapolate beyond the inputs.
     */
    public static LinearMerge of(double... weights) {
        double sum = checkedSum(weights);
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new IllegalArgumentException("weights " + Arrays.toString(weights) + " sum to " + sum
                    + ", not 1; use LinearMerge.normalised to rescale them");
        }
        return new LinearMerge(weights.clone());
    }

    /** Non-negative weights, rescaled to sum to 1. */
    public static LinearMerge normalised(double... weights) {
        double sum = checkedSum(weights);
        for (double w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("weights " + Arrays.toString(weights)
                        + " must be non-negative to be normalised");
            }
        }
        if (sum <= 0) {
            throw new IllegalArgumentException("weights " + Arrays.toString(weights) + " sum to 0; nothing to normalise");
        }
        return new LinearMerge(Arrays.stream(weights).map(w -> w / sum).toArray());
    }

    /** The plain average of {@code n} checkpoints. */
    public static LinearMerge uniform(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a merge needs at least one checkpoint, got " + n);
        }
        double[] weights = new double[n];
        Arrays.fill(weights, 1.0 / n);
        return new LinearMerge(weights);
    }

    /** Merges {@code inputs}, in the order of the weights, into {@code output}. */
    public MergeResult merge(List<Path> inputs, Path output) throws IOException {
        return new CheckpointMerger().merge(inputs, output, this);
    }

    /** The weights applied, summing to 1. */
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public String name() {
        return "linear";
    }

    @Override
    public int arity() {
        return weights.length;
    }

    @Override
    public Map<String, String> parameters() {
        try {
            return Map.of("weights", JSON.writeValueAsString(weights));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void combine(double[][] inputs, int length, double[] out) {
        double w0 = weights[0];
        double[] first = inputs[0];
        for (int j = 0; j < length; j++) {
            out[j] = w0 * first[j];
        }
        for (int i = 1; i < weights.length; i++) {
            double w = weights[i];
            double[] in = inputs[i];
            for (int j = 0; j < length; j++) {
                out[j] += w * in[j];
            }
        }
    }

    @Override
    public String toString() {
        return "linear" + Arrays.toString(weights);
    }

    private static double checkedSum(double[] weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("a merge needs at least one weight");
        }
        double sum = 0;
        for (double w : weights) {
            if (!Double.isFinite(w)) {
                throw new IllegalArgumentException("weights " + Arrays.toString(weights) + " must be finite");
            }
            sum += w;
        }
        return sum;
    }
}
