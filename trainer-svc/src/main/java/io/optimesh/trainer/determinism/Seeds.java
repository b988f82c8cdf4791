package io.optimesh.trainer.determinism;

import java.nio.charset.StandardCharsets;

/**
 * Seed derivation and portable Gaussian sampling.
 *
 * <p>Everything random in a run (initial weights, batch windows, dropout masks) is drawn from a
 * seed derived here from the run seed and a position (a parameter name, a step), so any piece can
 * be recomputed on its own: a resumed run needs no generator state, only the step it resumes at.
 */
public final class Seeds {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Seeds() {}

    /** Folds the parts into one well-mixed seed (SplitMix64 finaliser after each part). */
    public static long mix(long... parts) {
        long h = 0x5DEECE66DL;
        for (long part : parts) {
            h = splitMix64(h + GOLDEN_GAMMA + part);
        }
        return h;
    }

    /** A 64-bit FNV-1a hash of the UTF-8 bytes of {@code text}, for mixing names into seeds. */
    public static long hash(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return fnv1a64(bytes, 0, bytes.length);
    }

    /** A 64-bit FNV-1a hash of {@code bytes[from, to)}. */
    public static long fnv1a64(byte[] bytes, int from, int to) {
        long h = 0xCBF29CE484222325L;
        for (int i = from; i < to; i++) {
            h ^= bytes[i] & 0xFF;
            h *= 0x100000001B3L;
        }
        return h;
    }

    /**
     * {@code count} samples of N(0, std²) from {@code seed}: SplitMix64 uniforms through Box-Muller
     * with {@link StrictMath}, so the values are bit-identical on every JVM and platform, and the
     * same on CPU and GPU runs (weights are drawn here, then copied to the device).
     */
    public static float[] normals(long seed, int count, double std) {
        float[] out = new float[count];
        long state = seed;
        for (int i = 0; i < count; i += 2) {
            state += GOLDEN_GAMMA;
            double u1 = uniformOpenZero(splitMix64(state));
            state += GOLDEN_GAMMA;
            double u2 = uniformOpenZero(splitMix64(state));
            double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * std;
            double angle = 2.0 * StrictMath.PI * u2;
            out[i] = (float) (radius * StrictMath.cos(angle));
            if (i + 1 < count) {
                out[i + 1] = (float) (radius * StrictMath.sin(angle));
            }
        }
        return out;
    }

    /** A double in (0, 1] from the top 53 bits, never 0 so that log(u) stays finite. */
    private static double uniformOpenZero(long bits) {
        return ((bits >>> 11) + 1) * 0x1.0p-53;
    }

    private static long splitMix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
