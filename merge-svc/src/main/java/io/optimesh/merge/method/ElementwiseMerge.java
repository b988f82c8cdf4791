package io.optimesh.merge.method;

import java.util.Map;

/**
 * A merge method whose output element depends only on the same element of each input (linear averages,
 * task arithmetic, EMA, ...), so that {@link CheckpointMerger} can stream checkpoints in chunks of any size.
 */
public interface ElementwiseMerge {

    /** Short name recorded in the merged file's provenance, e.g. {@code linear}. */
    String name();

    /** How many checkpoints the method combines. */
    int arity();

    /** The method's parameters as JSON values, recorded in provenance under {@code optimesh.merge.<key>}. */
    Map<String, String> parameters();

    /**
     * Writes to {@code out[0, length)} the merge of {@code inputs[i][0, length)}, one array per checkpoint,
     * in the order the checkpoints were given.
     */
    void combine(double[][] inputs, int length, double[] out);
}
