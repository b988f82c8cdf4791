package io.optimesh.core.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes a checkpoint as Hugging Face shards it: tensors, in declaration order, are packed greedily into
 * shards of at most {@code maxShardBytes} of data (a tensor larger than that gets a shard of its own),
 * named {@code <stem>-00001-of-0000N.safetensors} beside the index {@code <stem>.safetensors.index.json},
 * which maps every tensor to its shard and records {@code total_size}. Every shard carries the metadata.
 *
 * <p>Shards are committed one by one (each atomically, by {@link SafetensorsWriter}) and the index last, so
 * a reader that opens the index sees a complete checkpoint; a failure deletes the shards already committed.
 * Existing files are never overwritten: {@link #create} refuses a target or shard name that exists.
 * Not thread-safe.
 */
public final class ShardedSafetensorsWriter implements SafetensorsSink {

    /** Hugging Face's default {@code max_shard_size}, "5GB". */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final String SHARD_SUFFIX = ".safetensors";

    private final Path index;
    private final List<Shard> shards;
    private final Map<String, String> metadata;
    private final Map<String, Integer> shardOf = new HashMap<>();
    private final List<Path> committed = new ArrayList<>();
    private int current = -1;
    private SafetensorsWriter writer;
    private boolean finished;

    /** One planned shard: its file and the tensors it holds, in order. */
    private record Shard(Path path, List<TensorSpec> tensors) {
    }

    private ShardedSafetensorsWriter(Path index, List<Shard> shards, Map<String, String> metadata) {
        this.index = index;
        this.shards = shards;
        this.metadata = metadata;
        for (int i = 0; i < shards.size(); i++) {
            for (TensorSpec t : shards.get(i).tensors()) {
                shardOf.put(t.name(), i);
            }
        }
    }

    /**
     * Plans the shards of {@code tensors} for the index {@code index} (a name ending with
     * {@code .safetensors.index.json}).
     *
     * @throws FileAlreadyExistsException if the index or one of the shards it would name exists
     */
    public static ShardedSafetensorsWriter create(Path index, List<TensorSpec> tensors, Map<String, String> metadata,
            long maxShardBytes) throws IOException {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        Path absolute = index.toAbsolutePath();
        String name = absolute.getFileName().toString();
        String suffix = SHARD_SUFFIX + SafetensorsReader.INDEX_SUFFIX;
        if (!name.endsWith(suffix) || name.length() == suffix.length()) {
            throw new IllegalArgumentException("a sharded checkpoint's index is named <stem>" + suffix + ", got " + name);
        }
        String stem = name.substring(0, name.length() - suffix.length());
        // Declared tensors are checked (names, sizes, header limit) before anything is planned or written.
        SafetensorsWriter.headerBytes(tensors, metadata);
        List<List<TensorSpec>> groups = new ArrayList<>();
        long size = 0;
        for (TensorSpec t : tensors) {
            if (groups.isEmpty() || (size > 0 && size + t.byteSize() > maxShardBytes)) {
                groups.add(new ArrayList<>());
                size = 0;
            }
            groups.get(groups.size() - 1).add(t);
            size += t.byteSize();
        }
        if (groups.isEmpty()) {
            groups.add(List.of()); // an empty checkpoint is still one (empty) shard, so the index names a file
        }
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            Path shard = absolute.resolveSibling(String.format("%s-%05d-of-%05d%s", stem, i + 1, groups.size(), SHARD_SUFFIX));
            shards.add(new Shard(shard, List.copyOf(groups.get(i))));
        }
        for (Path p : shardPaths(shards, absolute)) {
            if (Files.exists(p)) {
                throw new FileAlreadyExistsException(p.toString(), null, "a sharded checkpoint never overwrites a file");
            }
        }
        return new ShardedSafetensorsWriter(absolute, List.copyOf(shards), Map.copyOf(metadata));
    }

    /** The shard files this writer writes, in order. */
    public List<Path> shards() {
        return shards.stream().map(Shard::path).toList();
    }

    @Override
    public void write(String name, ByteBuffer chunk) throws IOException {
        writerFor(name).write(name, chunk);
    }

    @Override
    public void writeDoubles(String name, double[] values, int offset, int count) throws IOException {
        writerFor(name).writeDoubles(name, values, offset, count);
    }

    @Override
    public void writeFloats(String name, float[] values, int offset, int count) throws IOException {
        writerFor(name).writeFloats(name, values, offset, count);
    }

    /** Commits the last shards, then the index; on failure deletes every shard written. */
    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        try {
            while (current < shards.size() - 1) {
                nextShard();
            }
            writer.close();
            committed.add(shards.get(current).path());
            writeIndex();
            finished = true;
        } catch (IOException | RuntimeException e) {
            discard(e);
            throw e;
        }
    }

    @Override
    public void abort() {
        if (finished) {
            return;
        }
        IOException failure = new IOException("could not discard the shards of " + index);
        discard(failure);
        if (failure.getSuppressed().length > 0) {
            throw new UncheckedIOException(failure);
        }
    }

    /** The writer of the shard holding {@code name}, committing earlier shards as the writes move on. */
    private SafetensorsWriter writerFor(String name) throws IOException {
        if (finished) {
            throw new IllegalStateException("writer for " + index + " is closed");
        }
        try {
            Integer shard = shardOf.get(name);
            if (shard == null) {
                throw new IllegalArgumentException("tensor '" + name + "' was not declared for " + index);
            }
            if (shard < current) {
                throw new IllegalArgumentException("tensor '" + name + "' written after the tensors of a later shard;"
                        + " tensors must be written in declaration order");
            }
            while (current < shard) {
                nextShard();
            }
            return writer;
        } catch (IOException | RuntimeException e) {
            discard(e);
            throw e;
        }
    }

    /** Commits the current shard (which fails if it is incomplete) and starts the next. */
    private void nextShard() throws IOException {
        if (writer != null) {
            writer.close();
            committed.add(shards.get(current).path());
        }
        current++;
        Shard shard = shards.get(current);
        writer = SafetensorsWriter.create(shard.path(), shard.tensors(), metadata);
    }

    private void writeIndex() throws IOException {
        ObjectNode root = Header.MAPPER.createObjectNode();
        ObjectNode meta = root.putObject(ShardedSafetensors.METADATA_KEY);
        meta.put(ShardedSafetensors.TOTAL_SIZE_KEY, shards.stream()
                .flatMap(s -> s.tensors().stream()).mapToLong(TensorSpec::byteSize).sum());
        new TreeMap<>(metadata).forEach(meta::put);
        ObjectNode weightMap = root.putObject(ShardedSafetensors.WEIGHT_MAP_KEY);
        for (Shard s : shards) {
            for (TensorSpec t : s.tensors()) {
                weightMap.put(t.name(), s.path().getFileName().toString());
            }
        }
        byte[] json;
        try {
            json = Header.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        Path temp = index.resolveSibling("." + index.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.write(temp, json);
            Files.move(temp, index, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void discard(Throwable cause) {
        finished = true;
        if (writer != null) {
            try {
                writer.abort();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        for (Path p : committed) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private static List<Path> shardPaths(List<Shard> shards, Path index) {
        List<Path> paths = new ArrayList<>();
        paths.add(index);
        shards.forEach(s -> paths.add(s.path()));
        return paths;
    }
}
