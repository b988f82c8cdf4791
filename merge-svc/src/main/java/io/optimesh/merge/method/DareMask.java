package io.optimesh.merge.method;

import java.nio.charset.StandardCharsets;

/**
 * DARE's drop-and-rescale (Yu et al. 2024): each delta entry is dropped with probability {@code p} and the
 * survivors are scaled by {@code 1 / (1 - p)}, so the expected delta is unchanged. The Bernoulli draws come
 * from a counter-based generator (SplitMix64's finaliser over seed, tensor name, input and element index), so
 * the mask of an element is the same whatever the chunk size, the tensor order or the thread that asks.
 */
final class DareMask {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final double dropProbability;
    private final double rescale;
    private final long seed;

    DareMask(double dropProbability, long seed) {
        if (!(dropProbability >= 0 && dropProbability < 1)) {
            throw new IllegalArgumentException("drop probability must lie in [0, 1), got " + dropProbability);
        }
        this.dropProbability = dropProbability;
        this.rescale = 1 / (1 - dropProbability);
        this.seed = seed;
    }

    double dropProbability() {
        return dropProbability;
    }

    long seed() {
        return seed;
    }

    /** The stream of draws for one input's delta of one tensor. */
    long stream(String tensor, int input) {
        long h = 0xCBF29CE484222325L; // FNV-1a 64 of the name, so that every tensor gets its own draws
        for (byte b : tensor.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return mix(mix(seed) ^ mix(h) ^ mix(input * GOLDEN + 1));
    }

    /** Whether element {@code index} of the stream survives: its uniform draw in [0, 1) is at least {@code p}. */
    boolean keeps(long stream, long index) {
        double u = (mix(stream + (index + 1) * GOLDEN) >>> 11) * 0x1.0p-53;
        return u >= dropProbability;
    }

    /** The delta after the drop: 0, or {@code delta / (1 - p)}. */
    double apply(long stream, long index, double delta) {
        return keeps(stream, index) ? delta * rescale : 0;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
