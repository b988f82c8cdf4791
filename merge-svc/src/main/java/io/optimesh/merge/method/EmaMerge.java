package io.optimesh.merge.method;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exponential moving average over checkpoints in training order: {@code e_0 = theta_0},
 * {@code e_k = decay * e_(k-1) + (1 - decay) * theta_k}, and the result is {@code e_(n-1)}. Unrolled, it is the
 * linear merge with weights {@code decay^(n-1)} for the first checkpoint and {@code (1 - decay) decay^(n-1-k)}
 * for checkpoint {@code k >= 1}, which sum to 1.
 */
public final class EmaMerge implements ElementwiseMerge {

    private final double decay;
    private final LinearMerge linear;

    private EmaMerge(double decay, LinearMerge linear) {
        this.decay = decay;
        this.linear = linear;
    }

    /** The EMA of {@code checkpoints} checkpoints with {@code 0 < decay < 1}. */
    public static EmaMerge of(double decay, int checkpoints) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("decay must lie in (0, 1), got " + decay);
        }
        if (checkpoints < 1) {
            throw new IllegalArgumentException("an EMA needs at least one checkpoint, got " + checkpoints);
        }
        return new EmaMerge(decay, LinearMerge.of(weights(decay, checkpoints)));
    }

    /** The unrolled weights, oldest checkpoint first. */
    static double[] weights(double decay, int n) {
        double[] w = new double[n];
        w[0] = Math.pow(decay, n - 1);
        for (int k = 1; k < n; k++) {
            w[k] = (1 - decay) * Math.pow(decay, n - 1 - k);
        }
        return w;
    }

    public double[] weights() {
        return linear.weights();
    }

    @Override
    public String name() {
        return "ema";
    }

    @Override
    public int arity() {
        return linear.arity();
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ema_decay", ProvenanceJson.of(decay));
        p.put("weights", ProvenanceJson.of(linear.weights()));
        return p;
    }

    @Override
    public void combine(double[][] inputs, int length, double[] out) {
        linear.combine(inputs, length, out);
    }

    @Override
    public String toString() {
        return "ema(decay=" + decay + ")" + Arrays.toString(linear.weights());
    }
}
