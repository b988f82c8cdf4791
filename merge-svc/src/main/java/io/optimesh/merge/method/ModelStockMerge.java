package io.optimesh.merge.method;

import io.optimesh.core.safetensors.TensorInfo;
import java.io.IOException;
import java.util.Map;

/**
 * Model stock (Jang et al. 2024), the first checkpoint being the pre-trained base {@code w0} and the N >= 2
 * others fine-tuned from it. Per tensor, as mergekit computes it: {@code cos} is the mean over pairs of the
 * cosine between the deltas {@code w_i - w0} (each norm product floored at 1e-8, each cosine clamped to
 * [-1, 1]), {@code t = N cos / (1 + (N - 1) cos)}, and {@code out = t * mean_i(w_i) + (1 - t) * w0}.
 *
 * <p>One departure: a mean cosine below 0 counts as 0 (so {@code t = 0}, the base). The paper's geometry
 * assumes fine-tuned weights at acute angles, and the formula diverges at {@code cos = -1 / (N - 1)}.
 * Dot products and norms come from one scan of the tensor, so memory stays bounded by the chunk size.
 */
public final class ModelStockMerge implements TensorMerge {

    static final double EPS = 1e-8;

    private final int models;

    private ModelStockMerge(int models) {
        this.models = models;
    }

    /** A merge of {@code models} fine-tuned checkpoints (at least 2) with their base. */
    public static ModelStockMerge of(int models) {
        if (models < 2) {
            throw new IllegalArgumentException("model stock needs at least 2 fine-tuned checkpoints, got " + models);
        }
        return new ModelStockMerge(models);
    }

    @Override
    public String name() {
        return "model_stock";
    }

    @Override
    public int arity() {
        return models + 1;
    }

    @Override
    public boolean usesBase() {
        return true;
    }

    @Override
    public Map<String, String> parameters() {
        return Map.of();
    }

    @Override
    public ChunkCombiner prepare(TensorInfo tensor, TensorScan scan) throws IOException {
        int n = models;
        double[][] gram = new double[n][n]; // delta_i . delta_j
        scan.scan((first, inputs, length) -> {
            double[] base = inputs[0];
            for (int j = 0; j < length; j++) {
                for (int a = 0; a < n; a++) {
                    double da = inputs[a + 1][j] - base[j];
                    for (int b = a; b < n; b++) {
                        gram[a][b] += da * (inputs[b + 1][j] - base[j]);
                    }
                }
            }
        });
        double t = interpolation(n, meanCosine(gram));
        return (first, inputs, length, out) -> {
            double[] base = inputs[0];
            for (int j = 0; j < length; j++) {
                double mean = 0;
                for (int i = 1; i <= n; i++) {
                    mean += inputs[i][j];
                }
                out[j] = t * (mean / n) + (1 - t) * base[j];
            }
        };
    }

    /** Mean over pairs of the deltas' cosines, from their Gram matrix (upper triangle). */
    static double meanCosine(double[][] gram) {
        int n = gram.length;
        double sum = 0;
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                double norms = Math.sqrt(gram[a][a]) * Math.sqrt(gram[b][b]);
                sum += Math.max(-1, Math.min(1, gram[a][b] / Math.max(norms, EPS)));
            }
        }
        return sum / (n * (n - 1) / 2.0);
    }

    /** The paper's ratio {@code t = N cos / (1 + (N - 1) cos)}, with negative cosines counted as 0. */
    static double interpolation(int n, double cos) {
        double c = Math.max(0, cos);
        return n * c / (1 + (n - 1) * c);
    }

    @Override
    public String toString() {
        return "model_stock(" + models + ")";
    }
}
