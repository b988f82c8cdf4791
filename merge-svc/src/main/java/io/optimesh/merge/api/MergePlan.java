package io.optimesh.merge.api;

import io.optimesh.merge.method.TensorMerge;
import java.nio.file.Path;
import java.util.List;

/**
 * A MergeCheckpoints request checked and translated for the domain: the checkpoints the method reads, in its
 * order (the base first for methods that take one; only the window for LAWA), each with the request field and
 * URI it came from, the checkpoint to write (a sharded one when its name ends with
 * {@code .safetensors.index.json}) and its largest shard, the method, and the weights to report back.
 */
record MergePlan(List<Source> sources, Path output, long maxShardBytes, TensorMerge method, List<Double> weights) {

    /** A checkpoint to read: where it is, and the request field that named it (for errors). */
    record Source(Path path, String field, String uri) {
    }

    MergePlan {
        sources = List.copyOf(sources);
        weights = List.copyOf(weights);
    }

    List<Path> inputs() {
        return sources.stream().map(Source::path).toList();
    }
}
