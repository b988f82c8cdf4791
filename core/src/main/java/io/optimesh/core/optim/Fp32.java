package io.optimesh.core.optim;

/** PyTorch's CPU element-wise kernels in fp32, in their arithmetic order. */
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
}
