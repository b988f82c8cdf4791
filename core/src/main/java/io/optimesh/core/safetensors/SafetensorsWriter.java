package io.optimesh.core.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Streams a safetensors file of any size to disk. All tensors and the metadata are declared up front
 * (the header comes first in the file); then each tensor's bytes are written, in declaration order, in
 * as many chunks as the caller likes. The file is written under a temporary name in the target's
 * directory and moved into place atomically by {@link #close()} only once every declared byte has been
 * written, so readers never see a partial file. Any failure deletes the temporary file.
 *
 * <p>Not thread-safe.
 */
public final class SafetensorsWriter implements SafetensorsSink {

    private static final int ENCODE_CHUNK_BYTES = 1 << 20;

    /**
     * Bytes written after which a background flush starts (if none runs), so writeback overlaps the writing and
     * the fsync that commits the file has little left to do.
     */
    private static final long FLUSH_BEHIND_BYTES = 64L << 20;

    private static final ExecutorService FLUSHER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "safetensors-flush-behind");
        thread.setDaemon(true);
        return thread;
    });

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final List<TensorSpec> tensors;
    /** Direct, so a write goes from it to the file without a copy through a temporary direct buffer. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(ENCODE_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private int current;
    private long writtenInCurrent;
    private long unflushed;
    private Future<?> flushing = CompletableFuture.completedFuture(null);
    private boolean finished;

    private SafetensorsWriter(Path target, Path temp, FileChannel channel, List<TensorSpec> tensors) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
        this.tensors = tensors;
    }

    /**
     * Starts a file at {@code target} holding {@code tensors}, laid out contiguously in this order, and
     * {@code metadata} as the header's {@code __metadata__} (omitted when empty).
     */
    public static SafetensorsWriter create(Path target, List<TensorSpec> tensors, Map<String, String> metadata)
            throws IOException {
        List<TensorSpec> specs = List.copyOf(tensors);
        byte[] header = headerBytes(specs, metadata);
        Path absolute = target.toAbsolutePath();
        // Not Files.createTempFile: its owner-only permissions would stick to the checkpoint after the rename.
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            ByteBuffer prefix = ByteBuffer.allocate(Header.LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).flip();
            writeFully(channel, prefix);
            writeFully(channel, ByteBuffer.wrap(header));
            return new SafetensorsWriter(absolute, temp, channel, specs);
        } catch (IOException | RuntimeException e) {
            closeAndDelete(channel, temp, e);
            throw e;
        }
    }

    /** Writes a whole file from tensors already in memory. */
    public static void write(Path target, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        try (SafetensorsWriter writer = create(target, tensors.stream().map(Tensor::spec).toList(), metadata)) {
            for (Tensor t : tensors) {
                writer.write(t.name(), t.data());
            }
        }
    }

    /**
     * Appends the remaining bytes of {@code chunk} (little-endian element data) to tensor {@code name},
     * which must be the first declared tensor not yet complete. Chunks may split elements; the chunk's
     * position is advanced past what was written.
     */
    @Override
    public void write(String name, ByteBuffer chunk) throws IOException {
        ensureOpen();
        try {
            int bytes = chunk.remaining();
            expect(name, bytes);
            writeFully(channel, chunk);
            flushBehind(bytes);
        } catch (IOException | RuntimeException e) {
            abort(e);
            throw e;
        }
    }

    /** Appends {@code count} values to tensor {@code name}, encoded as its F32, F16, BF16 or F64 type. */
    @Override
    public void writeFloats(String name, float[] values, int offset, int count) throws IOException {
        Objects.checkFromIndexSize(offset, count, values.length);
        writeEncoded(name, count, (dtype, from, n, dst) -> FloatCodec.encode(dtype, values, offset + from, n, dst));
    }

    /** Appends {@code count} values to tensor {@code name}, each rounded once to its floating-point type. */
    @Override
    public void writeDoubles(String name, double[] values, int offset, int count) throws IOException {
        Objects.checkFromIndexSize(offset, count, values.length);
        writeEncoded(name, count, (dtype, from, n, dst) -> FloatCodec.encode(dtype, values, offset + from, n, dst));
    }

    @FunctionalInterface
    private interface Encoder {
        void encode(DType dtype, int from, int count, ByteBuffer dst);
    }

    private void writeEncoded(String name, int count, Encoder encoder) throws IOException {
        ensureOpen();
        try {
            TensorSpec spec = currentSpec(name);
            DType dtype = spec.dtype();
            if (!dtype.isFloatingPoint()) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "' is " + dtype + ", not a floating-point type; write its bytes");
            }
            expect(name, (long) count * dtype.byteSize());
            int perChunk = ENCODE_CHUNK_BYTES / dtype.byteSize();
            for (int done = 0; done < count; done += perChunk) {
                int n = Math.min(perChunk, count - done);
                scratch.clear();
                encoder.encode(dtype, done, n, scratch);
                writeFully(channel, scratch.flip());
                flushBehind((long) n * dtype.byteSize());
            }
        } catch (IOException | RuntimeException e) {
            abort(e);
            throw e;
        }
    }

    /**
     * Commits the file: checks that every declared tensor is complete, flushes it to disk and moves it
     * onto the target atomically. If a tensor is short, the temporary file is deleted and an
     * {@link IllegalStateException} names it. Does nothing after a failure or a previous close.
     */
    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        try {
            skipCompleteExcept(null);
            if (current < tensors.size()) {
                TensorSpec spec = tensors.get(current);
                throw new IllegalStateException("tensor '" + spec.name() + "' got " + writtenInCurrent + " of its "
                        + spec.byteSize() + " bytes" + (current + 1 < tensors.size()
                        ? " and " + (tensors.size() - current - 1) + " later tensor(s) got none" : "")
                        + "; nothing written to " + target);
            }
            awaitFlush();
            channel.force(true);
            channel.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            finished = true;
        } catch (IOException | RuntimeException e) {
            abort(e);
            throw e;
        }
    }

    /**
     * Discards the file being written: the temporary file is deleted, the target is left as it was, and
     * {@link #close()} then does nothing. For callers that fail for reasons of their own mid-stream.
     */
    @Override
    public void abort() {
        if (finished) {
            return;
        }
        IOException failure = new IOException("could not discard " + temp);
        abort(failure);
        if (failure.getSuppressed().length > 0) {
            throw new UncheckedIOException(failure);
        }
    }

    private void flushBehind(long bytes) {
        unflushed += bytes;
        if (unflushed >= FLUSH_BEHIND_BYTES && flushing.isDone()) {
            unflushed = 0;
            flushing = FLUSHER.submit(() -> {
                channel.force(false);
                return null;
            });
        }
    }

    private void awaitFlush() throws IOException {
        try {
            flushing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while flushing " + temp);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private TensorSpec currentSpec(String name) {
        skipCompleteExcept(name);
        if (current >= tensors.size()) {
            throw new IllegalArgumentException("tensor '" + name + "': every declared tensor is already complete");
        }
        TensorSpec spec = tensors.get(current);
        if (!spec.name().equals(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' written while '" + spec.name()
                    + "' is next (" + writtenInCurrent + " of " + spec.byteSize() + " bytes written);"
                    + " tensors must be written in declaration order");
        }
        return spec;
    }

    /** Checks that {@code bytes} more fit in tensor {@code name}, and counts them. */
    private TensorSpec expect(String name, long bytes) {
        TensorSpec spec = currentSpec(name);
        if (bytes > spec.byteSize() - writtenInCurrent) {
            throw new IllegalArgumentException("tensor '" + name + "' declared as " + spec.dtype()
                    + Arrays.toString(spec.shape()) + " (" + spec.byteSize() + " bytes) would get "
                    + (writtenInCurrent + bytes) + " bytes");
        }
        writtenInCurrent += bytes;
        return spec;
    }

    /** Moves past complete tensors (zero-byte ones need no write call) that {@code name} does not name. */
    private void skipCompleteExcept(String name) {
        while (current < tensors.size() && writtenInCurrent == tensors.get(current).byteSize()
                && !tensors.get(current).name().equals(name)) {
            current++;
            writtenInCurrent = 0;
        }
    }

    private void ensureOpen() {
        if (finished) {
            throw new IllegalStateException("writer for " + target + " is closed");
        }
    }

    private void abort(Throwable cause) {
        finished = true;
        closeAndDelete(channel, temp, cause);
    }

    private static void closeAndDelete(FileChannel channel, Path temp, Throwable cause) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** The JSON header, padded with spaces so that the byte buffer starts 8-byte aligned. */
    static byte[] headerBytes(List<TensorSpec> tensors, Map<String, String> metadata) {
        ObjectNode root = Header.MAPPER.createObjectNode();
        Objects.requireNonNull(metadata, "metadata");
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(Header.METADATA_KEY);
            // Sorted so that equal inputs give byte-identical files whatever map the caller used.
            new TreeMap<>(checkedMetadata(metadata)).forEach(meta::put);
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (TensorSpec t : tensors) {
            if (t.name().equals(Header.METADATA_KEY)) {
                throw new IllegalArgumentException("'" + Header.METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' is declared twice");
            }
            ObjectNode node = root.putObject(t.name());
            node.put("dtype", t.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = Math.addExact(offset, t.byteSize());
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = Header.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + Header.ALIGNMENT - 1) / Header.ALIGNMENT * Header.ALIGNMENT;
        if (padded > Header.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header of " + padded + " bytes exceeds the format's limit of "
                    + Header.MAX_HEADER_BYTES);
        }
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static Map<String, String> checkedMetadata(Map<String, String> metadata) {
        Map<String, String> copy = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("metadata keys and values must be non-null strings: " + k + "=" + v);
            }
            copy.put(k, v);
        });
        return copy;
    }
}
