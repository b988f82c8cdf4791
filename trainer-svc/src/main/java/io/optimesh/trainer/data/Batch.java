package io.optimesh.trainer.data;

import java.util.Arrays;

/**
 * {@code rows} windows of {@code length} tokens, row-major: {@code inputs} and the next-token
 * {@code targets} (each input shifted by one).
 */
public record Batch(int rows, int length, long[] inputs, long[] targets) {

    public Batch {
        if (rows <= 0 || length <= 0) {
            throw new IllegalArgumentException("a batch needs rows and length above zero");
        }
        if (inputs.length != (long) rows * length || targets.length != inputs.length) {
            throw new IllegalArgumentException("inputs and targets must hold rows × length tokens");
        }
    }

    /** Target tokens in the batch (what a loss is averaged over). */
    public long tokens() {
        return (long) rows * length;
    }

    /** Rows {@code [from, from + count)}, a micro-batch of a step's batch. */
    public Batch rows(int from, int count) {
        if (from < 0 || count <= 0 || from + count > rows) {
            throw new IllegalArgumentException("rows [" + from + ", " + (from + count) + ") outside [0, " + rows + ")");
        }
        int start = from * length;
        int end = (from + count) * length;
        return new Batch(count, length, Arrays.copyOfRange(inputs, start, end), Arrays.copyOfRange(targets, start, end));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Batch b && rows == b.rows && length == b.length
                && Arrays.equals(inputs, b.inputs) && Arrays.equals(targets, b.targets);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + length) + Arrays.hashCode(inputs) * 17 + Arrays.hashCode(targets);
    }

    @Override
    public String toString() {
        return "Batch[rows=" + rows + ", length=" + length + "]";
    }
}
