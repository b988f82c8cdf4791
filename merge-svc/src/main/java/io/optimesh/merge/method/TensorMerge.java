package io.optimesh.merge.method;

import io.optimesh.core.safetensors.TensorInfo;
import java.io.IOException;
import java.util.Map;

/**
 * A merge method, applied tensor by tensor. For each floating-point tensor {@link CheckpointMerger} first asks
 * the method to {@link #prepare} it: the method may {@link TensorScan scan} the tensor's values in every input
 * as often as it needs (SLERP's norms, model stock's angles, TIES's magnitude thresholds), in chunks, and returns
 * the {@link ChunkCombiner} that then merges consecutive chunks from element 0 to the end. Memory stays bounded
 * by the chunk size and what the method keeps per tensor (a few numbers, or histograms of fixed size).
 */
public interface TensorMerge {

    /** Short name recorded in the merged file's provenance, e.g. {@code slerp}. */
    String name();

    /** How many checkpoints the method combines, its base (if {@link #usesBase()}) included. */
    int arity();

    /** Whether the first checkpoint is the base model the others' deltas are taken from. */
    default boolean usesBase() {
        return false;
    }

    /** The method's parameters as JSON values, recorded in provenance under {@code optimesh.merge.<key>}. */
    Map<String, String> parameters();

    /** Prepares the merge of {@code tensor}, scanning its inputs through {@code scan} if it must. */
    ChunkCombiner prepare(TensorInfo tensor, TensorScan scan) throws IOException;

    /** Merges one chunk of a tensor; called on consecutive chunks, in order. */
    @FunctionalInterface
    interface ChunkCombiner {
        /**
         * Writes to {@code out[0, length)} the merge of {@code inputs[i][0, length)}, elements
         * {@code [first, first + length)} of the tensor in each checkpoint, in the order they were given.
         */
        void combine(long first, double[][] inputs, int length, double[] out);
    }

    /** One pass over a tensor's values in every input, chunk by chunk, from element 0. */
    @FunctionalInterface
    interface TensorScan {
        void scan(ChunkVisitor visitor) throws IOException;
    }

    /** Sees one chunk of a scan: elements {@code [first, first + length)} of each input. */
    @FunctionalInterface
    interface ChunkVisitor {
        void visit(long first, double[][] inputs, int length);
    }
}
