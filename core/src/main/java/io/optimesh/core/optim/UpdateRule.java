package io.optimesh.core.optim;

/**
 * One algorithm with its hyper-parameters fixed: updates one fp32 parameter tensor in place.
 *
 * <p>The state is plain arrays the caller owns, allocated zeroed by {@link
 * Algorithm#newState(int[])} for the tensor's shape (for element-wise rules {@link
 * Algorithm#stateFloatsPerParameter()} arrays of the parameter's length; Adafactor, Muon and
 * Schedule-Free AdamW lay theirs out by shape), so it can be kept, sharded and snapshotted
 * bit-exactly without knowing the algorithm.
 */
@FunctionalInterface
public interface UpdateRule {

    /**
     * Applies one step.
     *
     * @param parameters updated in place
     * @param gradients the loss gradient for each parameter
     * @param shape the tensor's shape, row-major (matrix-aware rules such as Muon and Adafactor
     *     read it; element-wise rules ignore it)
     * @param state the algorithm's per-parameter state, updated in place
     * @param step the number of this update, 1 for the first (bias corrections depend on it)
     * @param learningRate the schedule's learning rate for this step
     * @param weightDecay the weight decay of the parameter's group (0 for norms, biases,
     *     embeddings)
     */
    void apply(
            float[] parameters,
            float[] gradients,
            int[] shape,
            float[][] state,
            long step,
            double learningRate,
            double weightDecay);

    /** One step on a vector: the rule above with shape [n]. */
    default void apply(
            float[] parameters,
            float[] gradients,
            float[][] state,
            long step,
            double learningRate,
            double weightDecay) {
        apply(
                parameters,
                gradients,
                new int[] {parameters.length},
                state,
                step,
                learningRate,
                weightDecay);
    }
}
