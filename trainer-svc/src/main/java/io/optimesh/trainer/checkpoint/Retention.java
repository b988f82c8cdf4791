package io.optimesh.trainer.checkpoint;

/**
 * Which checkpoints a store keeps after each save.
 *
 * @param keepLast the most recent checkpoints kept (at least 1)
 * @param keepBest also keep the checkpoint with the lowest evaluation loss measured at its step
 */
public record Retention(int keepLast, boolean keepBest) {

    public Retention {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast must be at least 1");
        }
    }

    /** Every checkpoint. */
    public static Retention keepAll() {
        return new Retention(Integer.MAX_VALUE, false);
    }
}
