package io.optimesh.merge.method;

import io.optimesh.core.safetensors.TensorInfo;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TIES merging (Yadav et al. 2023), as mergekit computes it, the first checkpoint being the base:
 * <ol>
 *   <li>trim: each task vector {@code delta_i = theta_i - base} keeps, per tensor, its
 *       {@code k = max(1, floor(density * n))} entries of largest magnitude (ties in magnitude go to the earlier
 *       elements) and zeroes the rest; with DARE ({@link #dare}) it is instead dropped and rescaled at random
 *       ({@link DareMask});</li>
 *   <li>elect: the sign of each element is the sign of {@code sum_i w_i trimmed_i} (+ when that is 0);</li>
 *   <li>disjoint mean: {@code out = base + sum_i w_i trimmed_i [sign(trimmed_i) = elected]
 *       / sum_i w_i [sign(trimmed_i) = elected]}, or {@code base} where no task agrees.</li>
 * </ol>
 * Weights {@code w_i} are non-negative. The magnitude threshold is found exactly by {@link TopMagnitudes}
 * in four scans of the tensor, so memory stays bounded by the chunk size.
 */
public final class TiesMerge implements TensorMerge {

    private final double[] weights;
    private final double density;
    private final DareMask dare;
    private TopMagnitudes[] selections;

    private TiesMerge(double[] weights, double density, DareMask dare) {
        this.weights = weights;
        this.density = density;
        this.dare = dare;
    }

    /** Magnitude trimming to {@code density} of each tensor, {@code 0 < density <= 1}. */
    public static TiesMerge of(double density, double... weights) {
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("density must lie in (0, 1], got " + density);
        }
        return new TiesMerge(checked(weights), density, null);
    }

    /** DARE's random drop with probability {@code p} and rescaling instead of magnitude trimming. */
    public static TiesMerge dare(double dropProbability, long seed, double... weights) {
        return new TiesMerge(checked(weights), 1, new DareMask(dropProbability, seed));
    }

    public double[] weights() {
        return weights.clone();
    }

    @Override
    public String name() {
        return dare == null ? "ties" : "dare_ties";
    }

    @Override
    public int arity() {
        return weights.length + 1;
    }

    @Override
    public boolean usesBase() {
        return true;
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("weights", ProvenanceJson.of(weights));
        if (dare == null) {
            p.put("density", ProvenanceJson.of(density));
        } else {
            p.put("drop_probability", ProvenanceJson.of(dare.dropProbability()));
            p.put("seed", ProvenanceJson.of(dare.seed()));
        }
        return p;
    }

    /** Entries of a tensor of {@code n} elements that trimming keeps. */
    static long kept(double density, long n) {
        return n == 0 ? 0 : Math.max(1, (long) Math.floor(density * n));
    }

    @Override
    public ChunkCombiner prepare(TensorInfo tensor, TensorScan scan) throws IOException {
        int m = weights.length;
        Sparsifier[] sparsifiers = new Sparsifier[m];
        if (dare != null) {
            for (int i = 0; i < m; i++) {
                long stream = dare.stream(tensor.name(), i);
                sparsifiers[i] = (index, delta) -> dare.apply(stream, index, delta);
            }
        } else if (density >= 1) {
            Arrays.fill(sparsifiers, (Sparsifier) (index, delta) -> delta);
        } else {
            if (selections == null) {
                selections = new TopMagnitudes[m];
                for (int i = 0; i < m; i++) {
                    selections[i] = new TopMagnitudes();
                }
            }
            long k = kept(density, tensor.elementCount());
            for (TopMagnitudes s : selections) {
                s.reset(k);
            }
            for (int pass = 0; pass < TopMagnitudes.PASSES; pass++) {
                scan.scan((first, inputs, length) -> {
                    double[] base = inputs[0];
                    for (int i = 0; i < m; i++) {
                        double[] theta = inputs[i + 1];
                        TopMagnitudes s = selections[i];
                        for (int j = 0; j < length; j++) {
                            s.count(theta[j] - base[j]);
                        }
                    }
                });
                for (TopMagnitudes s : selections) {
                    s.endPass();
                }
            }
            for (int i = 0; i < m; i++) {
                TopMagnitudes s = selections[i];
                sparsifiers[i] = (index, delta) -> s.keeps(delta) ? delta : 0;
            }
        }
        double[] trimmed = new double[m];
        return (first, inputs, length, out) -> {
            double[] base = inputs[0];
            for (int j = 0; j < length; j++) {
                double elected = 0;
                for (int i = 0; i < m; i++) {
                    trimmed[i] = sparsifiers[i].apply(first + j, inputs[i + 1][j] - base[j]);
                    elected += weights[i] * trimmed[i];
                }
                double sign = elected >= 0 ? 1 : -1;
                double sum = 0;
                double divisor = 0;
                for (int i = 0; i < m; i++) {
                    if (Math.signum(trimmed[i]) == sign) {
                        sum += weights[i] * trimmed[i];
                        divisor += weights[i];
                    }
                }
                out[j] = base[j] + (divisor == 0 ? 0 : sum / divisor);
            }
        };
    }

    /** What trimming or dropping does to entry {@code index} of a task vector; called in element order. */
    @FunctionalInterface
    private interface Sparsifier {
        double apply(long index, double delta);
    }

    @Override
    public String toString() {
        return name() + Arrays.toString(weights) + (dare == null ? "(density=" + density + ")" : "");
    }

    private static double[] checked(double[] weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("TIES needs at least one checkpoint besides the base");
        }
        double sum = 0;
        for (double w : weights) {
            if (!(Double.isFinite(w) && w >= 0)) {
                throw new IllegalArgumentException("weights " + Arrays.toString(weights) + " must be finite and non-negative");
            }
            sum += w;
        }
        if (sum <= 0) {
            throw new IllegalArgumentException("weights " + Arrays.toString(weights) + " must not all be 0");
        }
        return weights.clone();
    }
}
