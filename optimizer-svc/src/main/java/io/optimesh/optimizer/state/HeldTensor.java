package io.optimesh.optimizer.state;

/**
 * One parameter tensor held by a state: its fp32 master values, the algorithm's state arrays and
 * how many updates it has had (bias corrections read the tensor's own count, as PyTorch keeps a step
 * per parameter).
 */
final class HeldTensor {

    final String name;
    final int[] shape;
    final boolean decay;
    final float[] parameters;
    final float[][] state;
    long steps;

    HeldTensor(String name, int[] shape, boolean decay, float[] parameters, float[][] state, long steps) {
        this.name = name;
        this.shape = shape;
        this.decay = decay;
        this.parameters = parameters;
        this.state = state;
        this.steps = steps;
    }

    long size() {
        return parameters.length;
    }

    /** Bytes of the parameter and state arrays as allocated. */
    long memoryBytes() {
        long floats = parameters.length;
        for (float[] s : state) {
            floats += s.length;
        }
        return floats * Float.BYTES;
    }
}
