package io.optimesh.core.optim;

/**
 * An update rule whose learning rate reacts to the loss, which the rule cannot see: the caller
 * reports it after each update, and saves and restores what the rule made of the reports beside
 * the per-tensor state, so a resumed run continues exactly.
 *
 * <p>The controller's state travels as a float array because checkpoints and state snapshots
 * store fp32 tensors; each 64-bit field is cut into four 16-bit integers, which fp32 holds
 * exactly whatever the bits (a double's halves read as floats could be NaNs, whose bits a
 * reader may not keep).
 */
public interface LossAware extends UpdateRule {

    /** Reports the loss of the update just applied. */
    void observeLoss(double loss);

    /** What the reports so far left behind, as {@link #restoreController(float[])} takes it. */
    float[] controllerState();

    /**
     * Puts back a controller saved with {@link #controllerState()}.
     *
     * @throws IllegalArgumentException when {@code saved} is not a state of this rule's controller
     */
    void restoreController(float[] saved);

    /** Four 16-bit pieces per value, most significant first: fp32 holds each exactly. */
    static float[] pack(long... values) {
        float[] packed = new float[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            for (int piece = 0; piece < 4; piece++) {
                packed[i * 4 + piece] = (values[i] >>> (48 - 16 * piece)) & 0xFFFF;
            }
        }
        return packed;
    }

    /**
     * The values {@link #pack(long...)} packed.
     *
     * @throws IllegalArgumentException when {@code packed} does not hold {@code count} values
     */
    static long[] unpack(float[] packed, int count) {
        if (packed.length != count * 4) {
            throw new IllegalArgumentException("a controller state of " + count + " values has " + count * 4
                    + " floats, got " + packed.length);
        }
        long[] values = new long[count];
        for (int i = 0; i < packed.length; i++) {
            float piece = packed[i];
            if (!(piece >= 0 && piece <= 0xFFFF) || piece != Math.rint(piece)) {
                throw new IllegalArgumentException("controller state value " + piece + " is not a 16-bit piece");
            }
            values[i / 4] = (values[i / 4] << 16) | (long) piece;
        }
        return values;
    }
}
