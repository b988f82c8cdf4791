package io.optimesh.merge.method;

import io.optimesh.core.safetensors.TensorInfo;
import java.io.IOException;
import java.util.Map;

/**
 * Spherical linear interpolation of two checkpoints, tensor by tensor, as mergekit computes it: with each
 * tensor flattened to a vector, {@code cos = (a / |a|) . (b / |b|)} (a vector of norm at most 1e-8 is left
 * unnormalised), {@code theta = acos(cos)}, and
 * {@code out = sin((1 - t) theta) / sin(theta) * a + sin(t theta) / sin(theta) * b}. When the two are nearly
 * parallel ({@code |cos| > 0.9995}) the sines vanish and it falls back to {@code (1 - t) a + t b}.
 * {@code t = 0} gives the first checkpoint, {@code t = 1} the second.
 *
 * <p>The dot product and norms come from one scan of the tensor before it is merged, so memory stays bounded
 * by the chunk size.
 */
public final class SlerpMerge implements TensorMerge {

    /** mergekit's threshold above which the vectors count as parallel. */
    static final double DOT_THRESHOLD = 0.9995;
    /** mergekit's smallest norm it normalises by. */
    static final double EPS = 1e-8;

    private final double t;

    private SlerpMerge(double t) {
        this.t = t;
    }

    /** @throws IllegalArgumentException unless {@code 0 <= t <= 1} */
    public static SlerpMerge of(double t) {
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException("t must lie in [0, 1], got " + t);
        }
        return new SlerpMerge(t);
    }

    public double t() {
        return t;
    }

    @Override
    public String name() {
        return "slerp";
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Map<String, String> parameters() {
        return Map.of("t", ProvenanceJson.of(t));
    }

    @Override
    public ChunkCombiner prepare(TensorInfo tensor, TensorScan scan) throws IOException {
        double[] sums = new double[3]; // a.b, |a|^2, |b|^2
        scan.scan((first, inputs, length) -> {
            double[] a = inputs[0];
            double[] b = inputs[1];
            for (int j = 0; j < length; j++) {
                sums[0] += a[j] * b[j];
                sums[1] += a[j] * a[j];
                sums[2] += b[j] * b[j];
            }
        });
        double[] s = coefficients(t, sums[0], Math.sqrt(sums[1]), Math.sqrt(sums[2]));
        double s0 = s[0];
        double s1 = s[1];
        return (first, inputs, length, out) -> {
            double[] a = inputs[0];
            double[] b = inputs[1];
            for (int j = 0; j < length; j++) {
                out[j] = s0 * a[j] + s1 * b[j];
            }
        };
    }

    /** The weights {@code (s0, s1)} of {@code a} and {@code b} given their dot product and norms. */
    static double[] coefficients(double t, double dot, double normA, double normB) {
        double cos = dot / ((normA > EPS ? normA : 1) * (normB > EPS ? normB : 1));
        if (!(Math.abs(cos) <= DOT_THRESHOLD)) { // NaN too: fall back rather than spread NaN from acos
            return new double[] {1 - t, t};
        }
        double theta = Math.acos(cos);
        double sin = Math.sin(theta);
        return new double[] {Math.sin(theta - theta * t) / sin, Math.sin(theta * t) / sin};
    }

    @Override
    public String toString() {
        return "slerp(t=" + t + ")";
    }
}
