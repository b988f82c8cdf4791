package io.optimesh.core.optim;

import java.util.Arrays;

/** Shape checks for the rules that read the tensor's shape or keep state not shaped like it. */
final class Shapes {

    private Shapes() {}

    /** The number of elements of a row-major tensor of this shape (1 for a scalar). */
    static long size(int[] shape) {
        long size = 1;
        for (int dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("negative dimension " + dimension);
            }
            size = Math.multiplyExact(size, dimension);
        }
        return size;
    }

    /** Checks that the shape describes {@code length} parameters. */
    static void check(int[] shape, int length) {
        if (size(shape) != length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " for " + length + " parameters");
        }
    }

    /** Zeroed arrays of these lengths. */
    static float[][] zeroed(int[] lengths) {
        float[][] state = new float[lengths.length][];
        for (int i = 0; i < lengths.length; i++) {
            state[i] = new float[lengths[i]];
        }
        return state;
    }

    /** Checks that the state has as many arrays as {@code expected}, of those lengths. */
    static void checkState(float[][] state, int[] expected) {
        if (state.length != expected.length) {
            throw new IllegalArgumentException(
                    "expected " + expected.length + " state arrays, got " + state.length);
        }
        for (int i = 0; i < state.length; i++) {
            if (state[i].length != expected[i]) {
                throw new IllegalArgumentException(
                        "state array "
                                + i
                                + " has "
                                + state[i].length
                                + " floats, expected "
                                + expected[i]);
            }
        }
    }
}
