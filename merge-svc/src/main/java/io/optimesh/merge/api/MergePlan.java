package io.optimesh.merge.api;

import io.optimesh.merge.method.ElementwiseMerge;
import java.nio.file.Path;
import java.util.List;

/**
 * A MergeCheckpoints request checked and translated for the domain: local input files (oldest first), the
 * file to write, the method, and the weights to report back (normalised for a linear merge, lambda for an
 * adjacent one).
 */
record MergePlan(List<Path> inputs, Path output, ElementwiseMerge method, List<Double> weights) {

    MergePlan {
        inputs = List.copyOf(inputs);
        weights = List.copyOf(weights);
    }
}
