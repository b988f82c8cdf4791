package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/** An optimizer algorithm: what it is called, what it reads, and its update rule. */
public interface Algorithm {

    /** The name OptimizerSpec.algorithm uses, e.g. "adamw". */
    String name();

    String displayName();

    String description();

    List<Hyperparameter> hyperparameters();

    /**
     * Whether weight decay shrinks the weights directly (AdamW) instead of adding L2 to the
     * gradient.
     */
    boolean decoupledWeightDecay();

    /**
     * How many state floats the algorithm keeps per parameter; where {@link #newState(int[])} is
     * overridden, the figure for a vector (Adafactor's matrices keep fewer, Muon's one).
     */
    int stateFloatsPerParameter();

    /**
     * Zeroed state for a tensor of this shape. Element-wise rules keep {@link
     * #stateFloatsPerParameter()} arrays of the tensor's size; factored rules override this.
     */
    default float[][] newState(int[] shape) {
        long size = 1;
        for (int dimension : shape) {
            size = Math.multiplyExact(size, dimension);
        }
        return new float[stateFloatsPerParameter()][Math.toIntExact(size)];
    }

    /**
     * How many state floats {@link #newState(int[])} allocates for this shape, known before
     * allocating (a memory budget refuses a state up front). Rules that override newState override
     * this too.
     */
    default long stateFloats(int[] shape) {
        long size = 1;
        for (int dimension : shape) {
            size = Math.multiplyExact(size, dimension);
        }
        return Math.multiplyExact(size, stateFloatsPerParameter());
    }

    /** Where the algorithm comes from. */
    String reference();

    /**
     * The update rule with these hyper-parameter values; the ones not given take their defaults.
     *
     * @throws IllegalArgumentException for an unknown name or a value outside its range
     */
    UpdateRule configure(Map<String, Double> hyperparameters);

    /**
     * The values of {@code declared} in order: given ones checked against their range, others
     * defaulted.
     */
    static double[] resolve(
            String algorithm, List<Hyperparameter> declared, Map<String, Double> given) {
        for (String name : given.keySet()) {
            if (declared.stream().noneMatch(h -> h.name().equals(name))) {
                throw new IllegalArgumentException(
                        algorithm
                                + " has no hyper-parameter '"
                                + name
                                + "'; it reads "
                                + declared.stream().map(Hyperparameter::name).toList());
            }
        }
        double[] values = new double[declared.size()];
        for (int i = 0; i < values.length; i++) {
            Hyperparameter h = declared.get(i);
            double value = given.getOrDefault(h.name(), h.defaultValue());
            if (!h.accepts(value)) {
                throw new IllegalArgumentException(
                        algorithm
                                + " "
                                + h.name()
                                + " must be in ["
                                + h.min()
                                + ", "
                                + h.max()
                                + "], got "
                                + value);
            }
            values[i] = value;
        }
        return values;
    }

    /** Checks that {@code [from, to)} is a range of the parameters. */
    static void checkRange(float[] parameters, int from, int to) {
        if (from < 0 || from > to || to > parameters.length) {
            throw new IndexOutOfBoundsException(
                    "range [" + from + ", " + to + ") of " + parameters.length + " parameters");
        }
    }

    /** Checks that the arrays of one update line up. */
    static void checkShapes(
            float[] parameters, float[] gradients, float[][] state, int stateArrays) {
        if (gradients.length != parameters.length) {
            throw new IllegalArgumentException(
                    gradients.length + " gradients for " + parameters.length + " parameters");
        }
        if (state.length != stateArrays) {
            throw new IllegalArgumentException(
                    "expected " + stateArrays + " state arrays, got " + state.length);
        }
        for (float[] s : state) {
            if (s.length != parameters.length) {
                throw new IllegalArgumentException(
                        "a state array of "
                                + s.length
                                + " floats for "
                                + parameters.length
                                + " parameters");
            }
        }
    }
}
