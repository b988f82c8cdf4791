package io.optimesh.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint being written, one file ({@link SafetensorsWriter}) or shards behind an index
 * ({@link ShardedSafetensorsWriter}): every tensor is declared up front, then written in declaration order,
 * in chunks. Nothing is visible at the target until {@link #close()} commits it; a failure or
 * {@link #abort()} leaves nothing behind.
 */
public interface SafetensorsSink extends AutoCloseable {

    /**
     * Starts a checkpoint at {@code target}: sharded, in shards of at most {@code maxShardBytes} of tensor
     * data, when {@code target} names an index ({@link SafetensorsReader#isIndex}); a single file otherwise.
     *
     * @param maxShardBytes the largest shard, for a sharded target; 0 for the default
     *     ({@link ShardedSafetensorsWriter#DEFAULT_MAX_SHARD_BYTES}). Must be 0 for a single file.
     */
    static SafetensorsSink create(Path target, List<TensorSpec> tensors, Map<String, String> metadata,
            long maxShardBytes) throws IOException {
        if (maxShardBytes < 0) {
            throw new IllegalArgumentException("maxShardBytes must not be negative, got " + maxShardBytes);
        }
        if (SafetensorsReader.isIndex(target)) {
            return ShardedSafetensorsWriter.create(target, tensors, metadata,
                    maxShardBytes == 0 ? ShardedSafetensorsWriter.DEFAULT_MAX_SHARD_BYTES : maxShardBytes);
        }
        if (maxShardBytes != 0) {
            throw new IllegalArgumentException("a shard size needs a sharded target, a name ending with "
                    + SafetensorsReader.INDEX_SUFFIX + "; got " + target);
        }
        return SafetensorsWriter.create(target, tensors, metadata);
    }

    /** Appends the remaining bytes of {@code chunk} to tensor {@code name}, the first one not yet complete. */
    void write(String name, ByteBuffer chunk) throws IOException;

    /** Appends {@code count} values to tensor {@code name}, each rounded once to its floating-point type. */
    void writeDoubles(String name, double[] values, int offset, int count) throws IOException;

    /** Appends {@code count} values to tensor {@code name}, encoded as its floating-point type. */
    void writeFloats(String name, float[] values, int offset, int count) throws IOException;

    /** Commits the checkpoint once every declared byte is written; deletes everything written otherwise. */
    @Override
    void close() throws IOException;

    /** Discards everything written; {@link #close()} then does nothing. */
    void abort();
}
