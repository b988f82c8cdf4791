package io.optimesh.core.optim;

/**
 * An update rule in which every element's update reads only that element's parameter, gradient
 * and state (plus per-step scalars). Such a rule can update any range of a tensor on its own, so a
 * tensor can be split into chunks updated on several cores, and the result is bit-identical to one
 * sequential pass.
 */
@FunctionalInterface
public interface ElementwiseRule extends UpdateRule {

    /**
     * Applies one step to elements {@code [from, to)}; the arguments mean what they mean in {@link
     * UpdateRule#apply(float[], float[], int[], float[][], long, double, double)}.
     */
    void applyRange(
            float[] parameters,
            float[] gradients,
            float[][] state,
            long step,
            double learningRate,
            double weightDecay,
            int from,
            int to);

    @Override
    default void apply(
            float[] parameters,
            float[] gradients,
            int[] shape,
            float[][] state,
            long step,
            double learningRate,
            double weightDecay) {
        applyRange(
                parameters, gradients, state, step, learningRate, weightDecay, 0, parameters.length);
    }
}
