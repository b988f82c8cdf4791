package io.optimesh.merge.method;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a merge wrote: the file, how many tensors and elements it holds, of which {@code combined} were
 * merged by the method and the rest carried over unchanged, the metadata written to its header, and the bytes
 * written (for a sharded output, its index and shards together).
 */
public record MergeResult(Path output, int tensors, int combined, long elements, Map<String, String> metadata,
        long bytes) {

    public MergeResult {
        metadata = Map.copyOf(metadata);
    }
}
