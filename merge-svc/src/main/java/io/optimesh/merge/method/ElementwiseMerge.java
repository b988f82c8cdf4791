package io.optimesh.merge.method;

import io.optimesh.core.safetensors.TensorInfo;

/**
 * A merge method whose output element depends only on the same element of each input (linear averages,
 * task arithmetic, EMA, ...): it needs no scan, and {@link CheckpointMerger} streams it in chunks of any size.
 */
public interface ElementwiseMerge extends TensorMerge {

    /**
     * Writes to {@code out[0, length)} the merge of {@code inputs[i][0, length)}, one array per checkpoint,
     * in the order the checkpoints were given.
     */
    void combine(double[][] inputs, int length, double[] out);

    @Override
    default ChunkCombiner prepare(TensorInfo tensor, TensorScan scan) {
        return (first, inputs, length, out) -> combine(inputs, length, out);
    }
}
