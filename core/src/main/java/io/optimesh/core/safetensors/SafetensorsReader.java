package io.optimesh.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A safetensors checkpoint opened for reading, one file ({@link SafetensorsFile}) or several shards behind
 * a {@code model.safetensors.index.json} ({@link ShardedSafetensors}). Tensors are read on demand, in slices
 * as small as the caller likes, so a checkpoint of any size can be streamed tensor by tensor.
 */
public interface SafetensorsReader extends AutoCloseable {

    /** Suffix of a sharded checkpoint's index, e.g. {@code model.safetensors.index.json}. */
    String INDEX_SUFFIX = ".index.json";

    /**
     * Opens {@code path}: a sharded checkpoint when its name ends with {@value #INDEX_SUFFIX}, a single
     * safetensors file otherwise. Either is fully validated before this returns.
     *
     * @throws SafetensorsFormatException if the file, the index or a shard breaks the format
     */
    static SafetensorsReader open(Path path) throws IOException {
        return isIndex(path) ? ShardedSafetensors.open(path) : SafetensorsFile.open(path);
    }

    /** Whether {@code path} names a sharded checkpoint's index rather than a safetensors file. */
    static boolean isIndex(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().endsWith(INDEX_SUFFIX);
    }

    /** The file that was opened: the safetensors file, or the index of a sharded checkpoint. */
    Path path();

    /** The {@code __metadata__} of the checkpoint (for a sharded one, the entries every shard shares). */
    Map<String, String> metadata();

    /** Every tensor; offsets are relative to the data buffer of the file that holds the tensor. */
    List<TensorInfo> tensors();

    Optional<TensorInfo> find(String name);

    /** The tensor named {@code name}; {@link IllegalArgumentException} if there is none. */
    TensorInfo info(String name);

    /** {@code length} bytes of tensor {@code name} starting {@code byteOffset} bytes into it, little-endian. */
    ByteBuffer read(String name, long byteOffset, int length) throws IOException;

    /** Elements {@code [fromElement, fromElement + count)} of a floating-point tensor, as doubles. */
    void readDoubles(String name, long fromElement, double[] dst, int offset, int count) throws IOException;

    /** Elements {@code [fromElement, fromElement + count)} of an F32, F16 or BF16 tensor, as floats. */
    void readFloats(String name, long fromElement, float[] dst, int offset, int count) throws IOException;

    @Override
    void close() throws IOException;
}
