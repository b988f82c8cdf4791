package io.optimesh.merge.method;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.optimesh.core.safetensors.SafetensorsFormatException;
import io.optimesh.core.safetensors.SafetensorsReader;
import io.optimesh.core.safetensors.SafetensorsSink;
import io.optimesh.core.safetensors.ShardedSafetensors;
import io.optimesh.core.safetensors.TensorInfo;
import io.optimesh.core.safetensors.TensorSpec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Merges safetensors checkpoints tensor by tensor, chunk by chunk, so that memory stays bounded by
 * {@code 2 * (inputs + 1) * chunkElements} values whatever the size of the model or of its largest tensor (the
 * next chunk of every input is read, and the previous output chunk written, while the current one is merged). A method
 * that needs a whole tensor first ({@link TensorMerge#prepare}) scans it chunk by chunk, as often as it must,
 * before it is merged. Inputs and the output are single files or sharded checkpoints (a path ending with
 * {@code .index.json}), as {@link SafetensorsReader#open} and {@link SafetensorsSink#create} read and write them.
 *
 * <p>Every input must hold the same tensor names with the same dtypes and shapes. Floating-point
 * tensors (F16, BF16, F32, F64) are combined by the method and keep their dtype; any other tensor
 * (integer, boolean, FP8 buffers such as step counters or masks) is carried over when it is identical
 * in every input, and is an error otherwise. The output lists the tensors in the first input's order.
 *
 * <p>The output's {@code __metadata__} holds the entries every input shares (so {@code format: pt}
 * survives) and the provenance: {@code optimesh.merge.method}, {@code optimesh.merge.inputs} (a JSON array
 * of the inputs' URIs), {@code optimesh.merge.base} (the first input's URI, for a method that
 * {@linkplain TensorMerge#usesBase uses a base}; it is then left out of the inputs) and each method parameter
 * as {@code optimesh.merge.<name>} (JSON).
 */
public final class CheckpointMerger {

    /** Prefix of the provenance keys; inputs' own provenance is not inherited by their merge. */
    public static final String PROVENANCE_PREFIX = "optimesh.merge.";
    public static final String METHOD_KEY = PROVENANCE_PREFIX + "method";
    public static final String INPUTS_KEY = PROVENANCE_PREFIX + "inputs";

    /** 256 Ki elements: 2 MiB of doubles per input and buffer. */
    public static final int DEFAULT_CHUNK_ELEMENTS = 1 << 18;

    private static final Future<Void> DONE = CompletableFuture.completedFuture(null);

    private static final JsonMapper JSON = new JsonMapper();

    /** Provenance key of the base model's URI, for methods that take deltas from one. */
    public static final String BASE_KEY = PROVENANCE_PREFIX + "base";

    private final int chunkElements;
    private final long maxShardBytes;

    public CheckpointMerger() {
        this(DEFAULT_CHUNK_ELEMENTS);
    }

    public CheckpointMerger(int chunkElements) {
        this(chunkElements, 0);
    }

    /**
     * @param chunkElements elements of a tensor read from each input at a time
     * @param maxShardBytes the largest shard of a sharded output (one named {@code *.safetensors.index.json});
     *     0 for the default, and always 0 for a single-file output
     */
    public CheckpointMerger(int chunkElements, long maxShardBytes) {
        if (chunkElements < 1) {
            throw new IllegalArgumentException("chunkElements must be positive, got " + chunkElements);
        }
        if (maxShardBytes < 0) {
            throw new IllegalArgumentException("maxShardBytes must not be negative, got " + maxShardBytes);
        }
        this.chunkElements = chunkElements;
        this.maxShardBytes = maxShardBytes;
    }

    /**
     * Writes the merge of {@code inputs} by {@code method} to {@code output}, atomically: on any failure
     * nothing is left at {@code output} (or what was there stays).
     *
     * @throws IncompatibleCheckpointsException if the inputs do not hold the same tensors
     * @throws InvalidCheckpointException if an input is not a valid safetensors file
     */
    public MergeResult merge(List<Path> inputs, Path output, TensorMerge method) throws IOException {
        return merge(inputs, output, method, MergeProgressListener.NONE);
    }

    /**
     * Like {@link #merge(List, Path, TensorMerge)}, telling {@code listener} after each tensor is
     * written. An exception thrown by the listener stops the merge and leaves nothing at {@code output}.
     */
    public MergeResult merge(List<Path> inputs, Path output, TensorMerge method, MergeProgressListener listener)
            throws IOException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(output, "output");
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a merge needs at least one checkpoint");
        }
        if (inputs.size() != method.arity()) {
            throw new IllegalArgumentException(method.name() + " merge of " + method.arity() + " checkpoints was given "
                    + inputs.size() + ": " + inputs);
        }
        try (OpenInputs open = OpenInputs.open(inputs)) {
            List<TensorInfo> tensors = checkCompatible(open.files);
            Map<String, String> metadata = metadata(open.files, method);
            return write(open.files, tensors, output, method, metadata, listener);
        }
    }

    private MergeResult write(List<SafetensorsReader> files, List<TensorInfo> tensors, Path output,
            TensorMerge method, Map<String, String> metadata, MergeProgressListener listener) throws IOException {
        List<TensorSpec> specs = tensors.stream().map(TensorInfo::spec).toList();
        SafetensorsSink writer = SafetensorsSink.create(output, specs, metadata, maxShardBytes);
        Stages stages = new Stages();
        try {
            int combined = 0;
            long elements = 0;
            long bytes = 0;
            for (int i = 0; i < tensors.size(); i++) {
                TensorInfo t = tensors.get(i);
                if (t.dtype().isFloatingPoint()) {
                    combine(files, t, method, writer, stages);
                    combined++;
                } else {
                    carryOver(files, t, method, writer);
                }
                elements += t.elementCount();
                bytes += t.byteSize();
                listener.tensorWritten(t.name(), i + 1, tensors.size(), bytes);
            }
            writer.close();
            return new MergeResult(output, tensors.size(), combined, elements, metadata, writtenBytes(output));
        } catch (IOException | RuntimeException e) {
            stages.close();
            writer.abort();
            throw e;
        } finally {
            stages.close();
        }
    }

    /**
     * Merges the tensor chunk by chunk in three overlapping stages: reading chunk k + 1 (on {@code stages}'
     * reader), combining chunk k (here, in order, as {@link TensorMerge.ChunkCombiner} requires) and encoding and
     * writing chunk k - 1 (on the writer). Two output buffers alternate, so memory stays bounded.
     */
    private void combine(List<SafetensorsReader> files, TensorInfo t, TensorMerge method, SafetensorsSink writer,
            Stages stages) throws IOException {
        int chunk = (int) Math.min(chunkElements, t.elementCount());
        double[][] outs = {new double[chunk], new double[chunk]};
        List<Future<Void>> writes = new ArrayList<>(List.of(DONE, DONE));
        TensorMerge.ChunkCombiner combiner = method.prepare(t, visitor -> forEachChunk(files, t, stages.reads, visitor));
        int[] chunks = {0};
        try {
            forEachChunk(files, t, stages.reads, (start, in, len) -> {
                int slot = chunks[0]++ % 2;
                double[] out = outs[slot];
                try {
                    await(writes.get(slot));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                combiner.combine(start, in, len, out);
                writes.set(slot, stages.writes.submit(() -> {
                    writer.writeDoubles(t.name(), out, 0, len);
                    return null;
                }));
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Future<Void> write : writes) {
            await(write);
        }
    }

    /**
     * Visits the tensor's chunks in order, reading chunk k + 1 of every input on {@code prefetch} while the
     * visitor works on chunk k, so reading and merging overlap on two cores.
     */
    private void forEachChunk(List<SafetensorsReader> files, TensorInfo t, ExecutorService prefetch,
            TensorMerge.ChunkVisitor visitor) throws IOException {
        long n = t.elementCount();
        int chunk = (int) Math.min(chunkElements, n);
        double[][][] buffers = {new double[files.size()][chunk], new double[files.size()][chunk]};
        Future<Void> pending = prefetch.submit(() -> read(files, t, 0, buffers[0], chunk));
        try {
            int k = 0;
            for (long start = 0; start < n; start += chunk, k++) {
                int len = (int) Math.min(chunk, n - start);
                await(pending);
                pending = null;
                long next = start + chunk;
                if (next < n) {
                    double[][] into = buffers[(k + 1) % 2];
                    int nextLen = (int) Math.min(chunk, n - next);
                    pending = prefetch.submit(() -> read(files, t, next, into, nextLen));
                }
                visitor.visit(start, buffers[k % 2], len);
            }
        } finally {
            if (pending != null) {
                pending.cancel(false);
                try {
                    pending.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | CancellationException ignored) {
                    // The merge is failing already; the visitor's exception is the one to report.
                }
            }
        }
    }

    private static void await(Future<Void> stage) throws IOException {
        try {
            stage.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading checkpoints");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(cause);
        }
    }

    private static Void read(List<SafetensorsReader> files, TensorInfo t, long start, double[][] in, int len)
            throws IOException {
        for (int i = 0; i < files.size(); i++) {
            files.get(i).readDoubles(t.name(), start, in[i], 0, len);
        }
        return null;
    }

    /** Bytes of the output: the file, or a sharded checkpoint's index and shards. */
    private static long writtenBytes(Path output) throws IOException {
        if (!SafetensorsReader.isIndex(output)) {
            return Files.size(output);
        }
        try (ShardedSafetensors sharded = ShardedSafetensors.open(output)) {
            long bytes = Files.size(output);
            for (Path shard : sharded.shards()) {
                bytes += Files.size(shard);
            }
            return bytes;
        }
    }

    /** Non-floating tensors have no meaningful average; they pass through only when all inputs agree. */
    private void carryOver(List<SafetensorsReader> files, TensorInfo t, TensorMerge method, SafetensorsSink writer)
            throws IOException {
        long size = t.byteSize();
        long chunkBytes = (long) chunkElements * t.dtype().byteSize();
        for (long start = 0; start < size; start += chunkBytes) {
            int len = (int) Math.min(chunkBytes, size - start);
            ByteBuffer first = files.get(0).read(t.name(), start, len);
            for (int i = 1; i < files.size(); i++) {
                if (!files.get(i).read(t.name(), start, len).equals(first)) {
                    throw new IncompatibleCheckpointsException(t.name(), i, "tensor '" + t.name() + "' is " + t.dtype()
                            + ", which a " + method.name() + " merge carries over only when every input holds the same"
                            + " values, but " + files.get(i).path() + " differs from " + files.get(0).path());
                }
            }
            writer.write(t.name(), first);
        }
    }

    private static List<TensorInfo> checkCompatible(List<SafetensorsReader> files) {
        SafetensorsReader reference = files.get(0);
        List<TensorInfo> tensors = reference.tensors();
        Set<String> names = tensors.stream().map(TensorInfo::name).collect(Collectors.toSet());
        for (int i = 1; i < files.size(); i++) {
            SafetensorsReader other = files.get(i);
            int input = i;
            for (TensorInfo t : tensors) {
                TensorInfo o = other.find(t.name()).orElseThrow(() -> new IncompatibleCheckpointsException(t.name(), input,
                        "tensor '" + t.name() + "' is in " + reference.path() + " but missing from " + other.path()));
                if (o.dtype() != t.dtype()) {
                    throw new IncompatibleCheckpointsException(t.name(), input, "tensor '" + t.name() + "' is "
                            + t.dtype() + " in " + reference.path() + " but " + o.dtype() + " in " + other.path());
                }
                if (!Arrays.equals(o.shape(), t.shape())) {
                    throw new IncompatibleCheckpointsException(t.name(), input, "tensor '" + t.name() + "' has shape "
                            + Arrays.toString(t.shape()) + " in " + reference.path() + " but "
                            + Arrays.toString(o.shape()) + " in " + other.path());
                }
            }
            for (TensorInfo o : other.tensors()) {
                if (!names.contains(o.name())) {
                    throw new IncompatibleCheckpointsException(o.name(), input, "tensor '" + o.name() + "' is in "
                            + other.path() + " but missing from " + reference.path());
                }
            }
        }
        return tensors;
    }

    private static Map<String, String> metadata(List<SafetensorsReader> files, TensorMerge method) {
        Map<String, String> metadata = new TreeMap<>();
        files.get(0).metadata().forEach((key, value) -> {
            boolean shared = files.stream().allMatch(f -> value.equals(f.metadata().get(key)));
            if (shared && !key.startsWith(PROVENANCE_PREFIX)) {
                metadata.put(key, value);
            }
        });
        metadata.put(METHOD_KEY, method.name());
        List<String> uris = files.stream().map(f -> f.path().toAbsolutePath().normalize().toUri().toString()).toList();
        if (method.usesBase()) {
            metadata.put(BASE_KEY, uris.get(0));
            uris = uris.subList(1, uris.size());
        }
        try {
            metadata.put(INPUTS_KEY, JSON.writeValueAsString(uris));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        method.parameters().forEach((key, value) -> metadata.put(PROVENANCE_PREFIX + key, value));
        return new LinkedHashMap<>(metadata);
    }

    /** The reader and writer threads of one merge; closing waits for whatever either still runs. */
    private static final class Stages implements AutoCloseable {

        final ExecutorService reads = Executors.newSingleThreadExecutor(daemon("merge-read"));
        final ExecutorService writes = Executors.newSingleThreadExecutor(daemon("merge-write"));

        private static ThreadFactory daemon(String name) {
            return task -> {
                Thread thread = new Thread(task, name);
                thread.setDaemon(true);
                return thread;
            };
        }

        @Override
        public void close() {
            reads.shutdownNow();
            writes.shutdownNow();
            try {
                reads.awaitTermination(1, TimeUnit.MINUTES);
                writes.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The input files, closed together. */
    private static final class OpenInputs implements AutoCloseable {

        private final List<SafetensorsReader> files = new ArrayList<>();

        static OpenInputs open(List<Path> paths) throws IOException {
            OpenInputs open = new OpenInputs();
            try {
                for (int i = 0; i < paths.size(); i++) {
                    try {
                        open.files.add(SafetensorsReader.open(paths.get(i)));
                    } catch (SafetensorsFormatException e) {
                        throw new InvalidCheckpointException(i, paths.get(i), e);
                    }
                }
                return open;
            } catch (IOException | RuntimeException e) {
                try {
                    open.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            IOException failure = null;
            for (SafetensorsReader f : files) {
                try {
                    f.close();
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
    }
}
