package io.optimesh.core.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A checkpoint split over several safetensors files, as Hugging Face writes them: an index
 * {@code model.safetensors.index.json} of the form
 * {@code {"metadata": {"total_size": N}, "weight_map": {"tensor": "model-00001-of-00002.safetensors", ...}}}
 * beside its shards. {@link #open} validates the index and every shard: shard names are plain file names in
 * the index's directory, every tensor the index maps is in its shard and every tensor a shard holds is mapped
 * to it. Tensors are listed in weight-map order. Thread-safe as {@link SafetensorsFile} is.
 */
public final class ShardedSafetensors implements SafetensorsReader {

    /** The index's key for tensor-to-shard names. */
    static final String WEIGHT_MAP_KEY = "weight_map";
    /** The index's key for its own metadata. */
    static final String METADATA_KEY = "metadata";
    /** Bytes of tensor data in all shards, as Hugging Face records it in the index's metadata. */
    static final String TOTAL_SIZE_KEY = "total_size";

    /** The longest file name common file systems allow (NAME_MAX). */
    private static final int MAX_NAME_BYTES = 255;

    private final Path index;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardOf;
    private final Map<String, String> metadata;
    private final OptionalLong totalSize;

    private ShardedSafetensors(Path index, List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardOf,
            Map<String, String> metadata, OptionalLong totalSize) {
        this.index = index;
        this.shards = shards;
        this.shardOf = shardOf;
        this.metadata = metadata;
        this.totalSize = totalSize;
    }

    /**
     * Opens the index at {@code index} and the shards it names.
     *
     * @throws SafetensorsFormatException if the index is not such a JSON object, names a shard outside its
     *     directory or one that is missing, or disagrees with the shards, or a shard is malformed
     */
    public static ShardedSafetensors open(Path index) throws IOException {
        JsonNode root = readIndex(index);
        JsonNode weightMap = root.get(WEIGHT_MAP_KEY);
        if (weightMap == null || !weightMap.isObject()) {
            throw new SafetensorsFormatException(index + ": \"" + WEIGHT_MAP_KEY + "\" is missing or not an object");
        }
        OptionalLong totalSize = totalSize(index, root.get(METADATA_KEY));
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
        Map<String, SafetensorsFile> shardOf = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                String file = shardName(index, e.getKey(), e.getValue());
                SafetensorsFile shard = byFile.get(file);
                if (shard == null) {
                    shard = openShard(index, dir.resolve(file));
                    byFile.put(file, shard);
                }
                if (shard.find(e.getKey()).isEmpty()) {
                    throw new SafetensorsFormatException(index + ": maps tensor '" + e.getKey() + "' to " + file
                            + ", which does not hold it");
                }
                shardOf.put(e.getKey(), shard);
            }
            for (SafetensorsFile shard : byFile.values()) {
                for (TensorInfo t : shard.tensors()) {
                    if (shardOf.get(t.name()) != shard) {
                        throw new SafetensorsFormatException(index + ": shard " + shard.path().getFileName()
                                + " holds tensor '" + t.name() + "', which the weight map "
                                + (shardOf.containsKey(t.name()) ? "puts in " + shardOf.get(t.name()).path().getFileName()
                                        : "does not list"));
                    }
                }
            }
            List<SafetensorsFile> shards = List.copyOf(byFile.values());
            return new ShardedSafetensors(index, shards, Collections.unmodifiableMap(shardOf), sharedMetadata(shards),
                    totalSize);
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile shard : byFile.values()) {
                try {
                    shard.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    @Override
    public Path path() {
        return index;
    }

    /** The shards, in the order the weight map first names them. */
    public List<Path> shards() {
        return shards.stream().map(SafetensorsFile::path).toList();
    }

    /** The index's {@code metadata.total_size}, when it has one (not checked: writers count it differently). */
    public OptionalLong totalSize() {
        return totalSize;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public List<TensorInfo> tensors() {
        List<TensorInfo> tensors = new ArrayList<>(shardOf.size());
        shardOf.forEach((name, shard) -> tensors.add(shard.info(name)));
        return tensors;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        SafetensorsFile shard = shardOf.get(name);
        return shard == null ? Optional.empty() : shard.find(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shard(name).info(name);
    }

    @Override
    public ByteBuffer read(String name, long byteOffset, int length) throws IOException {
        return shard(name).read(name, byteOffset, length);
    }

    @Override
    public void readDoubles(String name, long fromElement, double[] dst, int offset, int count) throws IOException {
        shard(name).readDoubles(name, fromElement, dst, offset, count);
    }

    @Override
    public void readFloats(String name, long fromElement, float[] dst, int offset, int count) throws IOException {
        shard(name).readFloats(name, fromElement, dst, offset, count);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (SafetensorsFile shard : shards) {
            try {
                shard.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return index.toString();
    }

    private SafetensorsFile shard(String name) {
        SafetensorsFile shard = shardOf.get(name);
        if (shard == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + index);
        }
        return shard;
    }

    private static JsonNode readIndex(Path index) throws IOException {
        long size = Files.size(index);
        // The same bound as a safetensors header: an index is a header's worth of names.
        if (size > Header.MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(index + ": index is " + size + " bytes, more than the "
                    + Header.MAX_HEADER_BYTES + " a checkpoint index may take");
        }
        byte[] bytes = Files.readAllBytes(index);
        JsonNode root;
        try {
            root = Header.MAPPER.readTree(SafetensorsFile.decodeUtf8(index, ByteBuffer.wrap(bytes)));
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(index + ": index is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(index + ": index is not a JSON object");
        }
        return root;
    }

    private static OptionalLong totalSize(Path index, JsonNode metadata) throws SafetensorsFormatException {
        if (metadata == null || metadata.isNull()) {
            return OptionalLong.empty();
        }
        if (!metadata.isObject()) {
            throw new SafetensorsFormatException(index + ": \"" + METADATA_KEY + "\" is not an object");
        }
        JsonNode total = metadata.get(TOTAL_SIZE_KEY);
        if (total == null) {
            return OptionalLong.empty();
        }
        if (!total.isIntegralNumber() || !total.canConvertToLong() || total.longValue() < 0) {
            throw new SafetensorsFormatException(index + ": \"" + TOTAL_SIZE_KEY + "\" " + total
                    + " is not a non-negative 64-bit integer");
        }
        return OptionalLong.of(total.longValue());
    }

    /** A shard must be a plain file name beside the index, never a path that leads elsewhere. */
    private static String shardName(Path index, String tensor, JsonNode value) throws SafetensorsFormatException {
        if (!value.isTextual()) {
            throw new SafetensorsFormatException(index + ": tensor '" + tensor + "' maps to " + value.getNodeType()
                    + ", not a file name");
        }
        String file = value.textValue();
        if (file.isEmpty() || file.equals(".") || file.equals("..") || file.contains("/") || file.contains("\\")
                || file.chars().anyMatch(Character::isISOControl)) {
            throw new SafetensorsFormatException(index + ": tensor '" + tensor + "' maps to '" + file
                    + "', which is not a file name in the index's directory");
        }
        // File systems cap a name at 255 bytes; a longer one could only fail to open, with a system error.
        if (file.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new SafetensorsFormatException(index + ": tensor '" + tensor + "' maps to a shard name of "
                    + file.getBytes(StandardCharsets.UTF_8).length + " bytes, longer than a file name may be");
        }
        return file;
    }

    private static SafetensorsFile openShard(Path index, Path shard) throws IOException {
        try {
            return SafetensorsFile.open(shard);
        } catch (NoSuchFileException e) {
            throw new SafetensorsFormatException(index + ": shard " + shard.getFileName() + " is missing", e);
        }
    }

    private static Map<String, String> sharedMetadata(List<SafetensorsFile> shards) {
        if (shards.isEmpty()) {
            return Map.of();
        }
        Map<String, String> shared = new LinkedHashMap<>(shards.get(0).metadata());
        for (SafetensorsFile shard : shards) {
            shared.entrySet().removeIf(e -> !e.getValue().equals(shard.metadata().get(e.getKey())));
        }
        return Collections.unmodifiableMap(shared);
    }
}
