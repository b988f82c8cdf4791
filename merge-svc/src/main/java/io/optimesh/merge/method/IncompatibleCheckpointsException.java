package io.optimesh.merge.method;

/** The checkpoints given to a merge do not hold the same tensors; the message names the first culprit. */
public class IncompatibleCheckpointsException extends IllegalArgumentException {

    private final String tensor;
    private final int input;

    /**
     * @param tensor the tensor that differs
     * @param input  the position, among the merge's inputs, of the checkpoint that differs from the first
     */
    public IncompatibleCheckpointsException(String tensor, int input, String message) {
        super(message);
        this.tensor = tensor;
        this.input = input;
    }

    /** The tensor that differs. */
    public String tensor() {
        return tensor;
    }

    /** The position of the input that differs from the first one (never 0). */
    public int input() {
        return input;
    }
}
