package io.optimesh.core.optim;

/**
 * PyTorch's CPU element-wise kernels in fp32, in their arithmetic order, and the reductions the
 * tensor-wise rules need. PyTorch's summation order (vectorised, cascaded) is not reproduced:
 * reductions accumulate in double and round once, which is at least as accurate.
 */
final class Fp32 {

    private Fp32() {}

    /** torch.lerp: the form switches at weight 0.5 so that weight 1 lands exactly on end. */
    static float lerp(float start, float end, float weight) {
        return Math.abs(weight) < 0.5f
                ? start + weight * (end - start)
                : end - (end - start) * (1 - weight);
    }

    /** sqrt rounded once to fp32 (the double root of a float rounds correctly). */
    static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    /** torch.rsqrt on CPU: one over the root, each rounded to fp32. */
    static float rsqrt(float x) {
        return 1f / sqrt(x);
    }

    /** The Euclidean norm of all elements (torch.linalg.vector_norm), rounded once to fp32. */
    static float norm(float[] x) {
        double squares = 0;
        for (float value : x) {
            squares += (double) value * value;
        }
        return (float) Math.sqrt(squares);
    }
}
