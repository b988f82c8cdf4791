package io.optimesh.merge.method;

/** The checkpoints given to a merge do not hold the same tensors; the message names the first culprit. */
public class IncompatibleCheckpointsException extends IllegalArgumentException {

    private final String tensor;

    public IncompatibleCheckpointsException(String tensor, String message) {
        super(message);
        this.tensor = tensor;
    }

    /** The tensor that differs. */
    public String tensor() {
        return tensor;
    }
}
