package io.optimesh.optimizer.state;

import io.optimesh.core.optim.Algorithm;
import io.optimesh.core.optim.AlgorithmCatalog;
import io.optimesh.core.optim.ParallelUpdates;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.core.optim.remote.FloatTensors;
import io.optimesh.core.optim.remote.ParameterSharding;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.CreateOptimizerStateRequest;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ParameterGroup;
import io.optimesh.v1.ParameterSpec;
import io.optimesh.v1.Tensor;
import io.optimesh.v1.TensorDType;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The optimizer states one optimizer-svc process holds, within a memory budget: a state whose
 * arrays would take the budget past its limit is refused before anything is allocated.
 */
public final class StateStore {

    static final String COLLECTION = "optimizerStates/";
    private static final String PAGE_TOKEN_PREFIX = "after:";

    private final long maxBytes;
    private final Path snapshotDirectory;
    private final ParallelUpdates updates;
    private final ConcurrentNavigableMap<String, HeldState> states = new ConcurrentSkipListMap<>();
    private final Map<String, String> idsByRequest = new ConcurrentHashMap<>();
    private final AtomicLong heldBytes = new AtomicLong();

    /**
     * @param maxBytes most bytes of parameter and state arrays held at once, over all states
     * @param snapshotDirectory where snapshots go when the request names no file
     * @param updateThreads cores a step may use; 0 for all
     */
    public StateStore(long maxBytes, Path snapshotDirectory, int updateThreads) {
        this.maxBytes = maxBytes;
        this.snapshotDirectory = snapshotDirectory.toAbsolutePath();
        this.updates = new ParallelUpdates(updateThreads);
    }

    public long heldBytes() {
        return heldBytes.get();
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Creates a state, or returns the one an earlier call with the same request id created. */
    public HeldState create(CreateOptimizerStateRequest request) {
        if (!request.getRequestId().isEmpty()) {
            HeldState earlier = earlier(request.getRequestId());
            if (earlier != null) {
                return earlier;
            }
        }
        OptimizerSpec spec = request.getOptimizer();
        List<StateException.Violation> violations = new ArrayList<>();
        Algorithm algorithm = algorithm(spec, violations);
        UpdateRule rule = configure(algorithm, spec, violations);
        if (spec.getGradientClipNorm() != 0) {
            violations.add(new StateException.Violation("optimizer.gradient_clip_norm",
                    "clipping needs the global gradient norm over every replica: clip before"
                            + " sending gradients, and leave this 0"));
        }
        int shards = Math.max(1, request.getShardCount());
        Set<String> names = new HashSet<>();
        long bytes = 0;
        for (int i = 0; i < request.getParametersCount(); i++) {
            ParameterSpec p = request.getParameters(i);
            String field = "parameters[" + i + "]";
            if (!names.add(p.getName())) {
                violations.add(new StateException.Violation(field + ".name",
                        "a second parameter named '" + p.getName() + "'"));
            }
            if (shards > 1 && ParameterSharding.shardOf(p.getName(), shards) != request.getShardIndex()) {
                violations.add(new StateException.Violation(field + ".name",
                        "'" + p.getName() + "' belongs to shard "
                                + ParameterSharding.shardOf(p.getName(), shards) + " of " + shards
                                + ", not " + request.getShardIndex()));
            }
            long size = 1;
            for (long dimension : p.getShapeList()) {
                size = dimension > 0 && size <= Integer.MAX_VALUE ? size * dimension : Long.MAX_VALUE;
            }
            if (size > Integer.MAX_VALUE - 8) {
                violations.add(new StateException.Violation(field + ".shape",
                        "a tensor holds at most " + (Integer.MAX_VALUE - 8) + " values, this one "
                                + (size == Long.MAX_VALUE ? "more" : Long.toString(size))));
                continue;
            }
            Tensor initial = p.getInitialValue();
            if (initial.getDtype() != TensorDType.TENSOR_D_TYPE_F32) {
                violations.add(new StateException.Violation(field + ".initial_value.dtype",
                        "initial values are F32, got " + initial.getDtype()));
            }
            if (!initial.getShapeList().equals(p.getShapeList())) {
                violations.add(new StateException.Violation(field + ".initial_value.shape",
                        "shape " + initial.getShapeList() + " does not match the parameter's shape "
                                + p.getShapeList()));
            } else if (initial.getData().size() != size * Float.BYTES) {
                violations.add(new StateException.Violation(field + ".initial_value.data",
                        size + " F32 values take " + size * Float.BYTES + " bytes, got "
                                + initial.getData().size()));
            }
            if (algorithm != null) {
                bytes += (size + algorithm.stateFloats(intShape(p.getShapeList()))) * Float.BYTES;
            }
        }
        if (!violations.isEmpty()) {
            throw StateException.invalid(violations);
        }
        String id = request.getStateId().isEmpty() ? newId() : request.getStateId();
        if (states.containsKey(id)) {
            throw StateException.of(StateException.Kind.ALREADY_EXISTS, COLLECTION + id,
                    Map.of("resource", COLLECTION + id));
        }
        reserve(bytes, COLLECTION + id);
        try {
            List<HeldTensor> tensors = new ArrayList<>();
            for (ParameterSpec p : request.getParametersList()) {
                int[] shape = intShape(p.getShapeList());
                tensors.add(new HeldTensor(p.getName(), shape,
                        p.getGroup() != ParameterGroup.PARAMETER_GROUP_NO_DECAY,
                        FloatTensors.decode(p.getInitialValue()), algorithm.newState(shape), 0));
            }
            HeldState state = new HeldState(id, algorithm, spec, rule, tensors, 0,
                    request.getShardCount() > 1 ? request.getShardIndex() : 0,
                    request.getShardCount(), Instant.now());
            return put(state, bytes, request.getRequestId());
        } catch (RuntimeException | Error e) {
            heldBytes.addAndGet(-bytes);
            throw e;
        }
    }

    /** The state called {@code name} ({@code optimizerStates/{id}}). */
    public HeldState get(String name) {
        HeldState state = name.startsWith(COLLECTION) ? states.get(name.substring(COLLECTION.length())) : null;
        if (state == null) {
            throw StateException.of(StateException.Kind.NOT_FOUND, name, Map.of("resource", name));
        }
        return state;
    }

    /** One page of the states in id order, and the token of the next page ("" at the end). */
    public record Page(List<HeldState> states, String nextPageToken) {}

    public Page list(int pageSize, String pageToken) {
        ConcurrentNavigableMap<String, HeldState> rest = states;
        if (!pageToken.isEmpty()) {
            String after = null;
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
                if (decoded.startsWith(PAGE_TOKEN_PREFIX)) {
                    after = decoded.substring(PAGE_TOKEN_PREFIX.length());
                }
            } catch (IllegalArgumentException notBase64) {
                // Same answer as any other token this service did not issue.
            }
            if (after == null) {
                throw StateException.invalid("page_token", "not a page token of this list");
            }
            rest = states.tailMap(after, false);
        }
        List<HeldState> page = new ArrayList<>();
        for (HeldState state : rest.values()) {
            if (page.size() == pageSize) {
                break;
            }
            page.add(state);
        }
        boolean more = page.size() == pageSize
                && !rest.tailMap(page.get(page.size() - 1).id(), false).isEmpty();
        String next = more
                ? Base64.getUrlEncoder().withoutPadding().encodeToString(
                        (PAGE_TOKEN_PREFIX + page.get(page.size() - 1).id()).getBytes(StandardCharsets.UTF_8))
                : "";
        return new Page(page, next);
    }

    /** Deletes a state and frees its budget. */
    public void delete(String name) {
        HeldState state = get(name);
        if (states.remove(state.id(), state)) {
            heldBytes.addAndGet(-state.memoryBytes());
            idsByRequest.values().remove(state.id());
        }
    }

    /** Applies a complete step to its state. */
    public HeldState.StepResult apply(PendingStep step, boolean deltas) {
        return step.state().apply(step, deltas, updates);
    }

    /**
     * Writes a snapshot of a state to {@code uri} (a {@code file:} URI or an absolute path of a
     * .safetensors file), or under the snapshot directory when it is empty.
     */
    public CheckpointRef snapshot(String name, String uri) {
        HeldState state = get(name);
        Path target;
        if (uri.isEmpty()) {
            synchronized (state) {
                target = snapshotDirectory.resolve(state.id())
                        .resolve(String.format("step-%09d.safetensors", state.step()));
            }
        } else {
            target = path(uri, "uri");
        }
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            long step = StateSnapshots.write(state, target);
            return CheckpointRef.newBuilder()
                    .setUri(target.toAbsolutePath().toUri().toString())
                    .setStep(step)
                    .setSizeBytes(Files.size(target))
                    .build();
        } catch (IOException e) {
            throw StateException.of(StateException.Kind.SNAPSHOT_IO,
                    "cannot write the snapshot of " + name + " to " + target + ": " + e.getMessage(),
                    Map.of("uri", target.toUri().toString()));
        }
    }

    /**
     * Deletes a snapshot under the snapshot directory, and its state's folder there once empty.
     * Other files are refused: a client may only retire what this service wrote on its own.
     *
     * @return false when there was no such snapshot
     */
    public boolean deleteSnapshot(String snapshotUri) {
        Path snapshot = path(snapshotUri, "snapshot_uri").normalize();
        if (!snapshot.startsWith(snapshotDirectory) || snapshot.equals(snapshotDirectory)) {
            throw StateException.invalid("snapshot_uri", "only snapshots under this service's snapshot directory "
                    + snapshotDirectory + " can be deleted, got " + snapshotUri);
        }
        try {
            boolean deleted = Files.deleteIfExists(snapshot);
            Path folder = snapshot.getParent();
            if (!folder.equals(snapshotDirectory)) {
                try (var left = Files.list(folder)) {
                    if (left.findAny().isEmpty()) {
                        Files.deleteIfExists(folder);
                    }
                } catch (NoSuchFileException | DirectoryNotEmptyException raced) {
                    // Another delete emptied it first, or a new snapshot arrived: either way it is right.
                }
            }
            return deleted;
        } catch (IOException e) {
            throw StateException.of(StateException.Kind.SNAPSHOT_IO,
                    "cannot delete the snapshot " + snapshot + ": " + e.getMessage(),
                    Map.of("uri", snapshot.toUri().toString()));
        }
    }

    /** Restores a snapshot into a new state (or returns the one the same request id restored). */
    public HeldState restore(String snapshotUri, String stateId, String requestId) {
        if (!requestId.isEmpty()) {
            HeldState earlier = earlier(requestId);
            if (earlier != null) {
                return earlier;
            }
        }
        Path source = path(snapshotUri, "snapshot_uri");
        if (!Files.isRegularFile(source)) {
            throw StateException.invalid("snapshot_uri", "no snapshot at " + source);
        }
        String id = stateId.isEmpty() ? newId() : stateId;
        if (states.containsKey(id)) {
            throw StateException.of(StateException.Kind.ALREADY_EXISTS, COLLECTION + id,
                    Map.of("resource", COLLECTION + id));
        }
        try {
            return StateSnapshots.read(source, id, this, requestId);
        } catch (IOException e) {
            throw StateException.of(StateException.Kind.SNAPSHOT_IO,
                    "cannot read the snapshot " + source + ": " + e.getMessage(),
                    Map.of("uri", source.toUri().toString()));
        }
    }

    /** Takes {@code bytes} from the budget, or refuses the state that needs them. */
    void reserve(long bytes, String name) {
        while (true) {
            long held = heldBytes.get();
            if (held + bytes > maxBytes) {
                throw StateException.of(StateException.Kind.MEMORY_LIMIT,
                        name + " needs " + bytes + " bytes of parameters and optimizer state; "
                                + held + " of the limit of " + maxBytes + " are held",
                        Map.of("requested_bytes", Long.toString(bytes),
                                "held_bytes", Long.toString(held),
                                "limit_bytes", Long.toString(maxBytes)));
            }
            if (heldBytes.compareAndSet(held, held + bytes)) {
                return;
            }
        }
    }

    void release(long bytes) {
        heldBytes.addAndGet(-bytes);
    }

    /** Stores a state whose bytes are reserved; its reservation becomes its actual size. */
    HeldState put(HeldState state, long reservedBytes, String requestId) {
        heldBytes.addAndGet(state.memoryBytes() - reservedBytes);
        if (states.putIfAbsent(state.id(), state) != null) {
            heldBytes.addAndGet(-state.memoryBytes());
            throw StateException.of(StateException.Kind.ALREADY_EXISTS, state.name(),
                    Map.of("resource", state.name()));
        }
        if (!requestId.isEmpty()) {
            idsByRequest.put(requestId, state.id());
        }
        return state;
    }

    static Algorithm algorithm(OptimizerSpec spec, List<StateException.Violation> violations) {
        for (Algorithm a : AlgorithmCatalog.all()) {
            if (a.name().equals(spec.getAlgorithm())) {
                return a;
            }
        }
        violations.add(new StateException.Violation("optimizer.algorithm",
                "unknown algorithm '" + spec.getAlgorithm() + "'; ListAlgorithms lists "
                        + AlgorithmCatalog.all().stream().map(Algorithm::name).toList()));
        return null;
    }

    static UpdateRule configure(
            Algorithm algorithm, OptimizerSpec spec, List<StateException.Violation> violations) {
        if (algorithm == null) {
            return null;
        }
        try {
            return algorithm.configure(spec.getHyperparametersMap());
        } catch (IllegalArgumentException e) {
            violations.add(new StateException.Violation("optimizer.hyperparameters", e.getMessage()));
            return null;
        }
    }

    static int[] intShape(List<Long> shape) {
        int[] dims = new int[shape.size()];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = Math.toIntExact(shape.get(d));
        }
        return dims;
    }

    private HeldState earlier(String requestId) {
        String id = idsByRequest.get(requestId);
        return id == null ? null : states.get(id);
    }

    private static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static Path path(String uri, String field) {
        Path path;
        try {
            path = uri.startsWith("file:") ? Path.of(URI.create(uri)) : Path.of(uri);
        } catch (IllegalArgumentException e) { // InvalidPathException is one too
            throw StateException.invalid(field, "not a file: URI or path: " + e.getMessage());
        }
        if (!path.isAbsolute() || !path.getFileName().toString().endsWith(".safetensors")) {
            throw StateException.invalid(field, "a snapshot is an absolute path or file: URI of a .safetensors file, got " + uri);
        }
        return path;
    }
}
