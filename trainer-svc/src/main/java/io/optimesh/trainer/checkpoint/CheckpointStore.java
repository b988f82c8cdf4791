package io.optimesh.trainer.checkpoint;

import ai.djl.ndarray.NDArray;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.TensorSpec;
import io.optimesh.trainer.training.CheckpointSink;
import io.optimesh.trainer.training.ParameterUpdate;
import io.optimesh.trainer.training.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A directory of checkpoints, one sub-directory per saved step ({@code step-000000100}). A
 * checkpoint is written whole into a hidden staging directory and renamed into place, so a crash
 * at any moment leaves either the complete checkpoint or none; the retention policy then removes
 * checkpoints it no longer keeps.
 */
public final class CheckpointStore implements CheckpointSink {

    private static final Pattern STEP_DIRECTORY = Pattern.compile("step-(\\d{9,})");

    /** Deletes the optimizer-svc snapshots a removed checkpoint recorded (one URI per replica). */
    @FunctionalInterface
    public interface SnapshotJanitor {
        void delete(List<String> snapshots);
    }

    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);

    private final Path root;
    private final Retention retention;
    private final SnapshotJanitor janitor;

    /** A store of checkpoints that hold their optimizer state in their own files. */
    public CheckpointStore(Path root, Retention retention) {
        this(root, retention, snapshots -> {
            throw new IllegalStateException("this store cannot delete optimizer-svc snapshots " + snapshots);
        });
    }

    /** A store whose removed checkpoints also have their optimizer-svc snapshots deleted by {@code janitor}. */
    public CheckpointStore(Path root, Retention retention, SnapshotJanitor janitor) {
        this.root = root;
        this.retention = retention;
        this.janitor = janitor;
    }

    public Path root() {
        return root;
    }

    @Override
    public Saved save(TrainingState state) {
        String name = String.format("step-%09d", state.step());
        Path target = root.resolve(name);
        Path staging = root.resolve("." + name + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(staging);
            writeF32(staging.resolve(Checkpoint.WEIGHTS), state.model().parameters(),
                    Checkpoint.weightsMetadata(state.model().config()));
            List<String> snapshots = state.optimizer().snapshot();
            if (snapshots.isEmpty()) {
                writeState(staging.resolve(Checkpoint.OPTIMIZER_STATE), state.optimizer().state(),
                        Map.of("optimizer", state.optimizer().name(),
                                "updates", Long.toString(state.optimizer().updates())));
            }
            CheckpointManifest manifest = new CheckpointManifest(
                    CheckpointManifest.FORMAT,
                    state.step(),
                    state.tokensSeen(),
                    finiteOrNull(state.bestLoss()),
                    finiteOrNull(state.lastLoss()),
                    state.lastEvaluation(),
                    state.model().config(),
                    Checkpoint.WEIGHTS,
                    new CheckpointManifest.Optimizer(state.optimizer().name(), state.optimizer().updates(),
                            snapshots.isEmpty() ? Checkpoint.OPTIMIZER_STATE : null,
                            snapshots.isEmpty() ? null : List.copyOf(snapshots)),
                    new CheckpointManifest.Data(state.seed(), state.step()),
                    Instant.now().toString());
            Checkpoint.JSON.writeValue(staging.resolve(Checkpoint.MANIFEST).toFile(), manifest);
            moveIntoPlace(staging, target);
        } catch (IOException e) {
            deleteQuietly(staging);
            throw new UncheckedIOException("cannot save checkpoint " + target, e);
        }
        applyRetention();
        return new Saved(state.step(), target.toUri().toString());
    }

    /** Removes every checkpoint, for a fresh run that reuses the store of an earlier one. */
    public void clear() {
        list().forEach(this::remove);
    }

    /** Complete checkpoints in the store, oldest step first. */
    public List<Checkpoint> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children
                    .filter(p -> STEP_DIRECTORY.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(Checkpoint.MANIFEST)))
                    .map(Checkpoint::open)
                    .sorted(Comparator.comparingLong(c -> c.manifest().step()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + root, e);
        }
    }

    /** The checkpoint of the highest step, if any. */
    public Optional<Checkpoint> latest() {
        List<Checkpoint> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** The checkpoint with the lowest evaluation loss measured at its own step, if any was evaluated. */
    public Optional<Checkpoint> best() {
        return best(list());
    }

    private static Optional<Checkpoint> best(List<Checkpoint> checkpoints) {
        return checkpoints.stream()
                .filter(Checkpoint::evaluatedAtItsStep)
                .min(Comparator.comparingDouble(c -> c.manifest().evaluation().loss()));
    }

    private void applyRetention() {
        List<Checkpoint> all = list();
        Set<Path> keep = new HashSet<>();
        all.subList(Math.max(0, all.size() - Math.min(retention.keepLast(), all.size())), all.size())
                .forEach(c -> keep.add(c.directory()));
        if (retention.keepBest()) {
            best(all).ifPresent(c -> keep.add(c.directory()));
        }
        for (Checkpoint checkpoint : all) {
            if (!keep.contains(checkpoint.directory())) {
                remove(checkpoint);
            }
        }
    }

    private static void writeF32(Path file, Map<String, NDArray> arrays, Map<String, String> metadata)
            throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        arrays.forEach((name, array) -> specs.add(new TensorSpec(name, DType.F32, array.getShape().getShape())));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, metadata)) {
            for (Map.Entry<String, NDArray> entry : arrays.entrySet()) {
                float[] values = entry.getValue().toFloatArray();
                writer.writeFloats(entry.getKey(), values, 0, values.length);
            }
        }
    }

    private static void writeState(Path file, Map<String, ParameterUpdate.StateTensor> arrays,
            Map<String, String> metadata) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        arrays.forEach((name, array) -> specs.add(new TensorSpec(name, DType.F32, array.shape())));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, metadata)) {
            for (Map.Entry<String, ParameterUpdate.StateTensor> entry : arrays.entrySet()) {
                float[] values = entry.getValue().values();
                writer.writeFloats(entry.getKey(), values, 0, values.length);
            }
        }
    }

    /** Renames the staged checkpoint to {@code target}, replacing an older save of the same step. */
    private static void moveIntoPlace(Path staging, Path target) throws IOException {
        Path displaced = null;
        if (Files.exists(target)) {
            displaced = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".old");
            Files.move(target, displaced, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        if (displaced != null) {
            deleteQuietly(displaced);
        }
    }

    /**
     * Deletes a checkpoint's optimizer-svc snapshots, then its directory. A snapshot that cannot be
     * deleted (the replica is down) is logged and left: the checkpoint goes regardless, since
     * keeping it would keep retention from ever catching up.
     */
    private void remove(Checkpoint checkpoint) {
        CheckpointManifest.Optimizer optimizer = checkpoint.manifest().optimizer();
        if (optimizer != null && optimizer.remote()) {
            try {
                janitor.delete(optimizer.snapshots());
            } catch (RuntimeException e) {
                LOG.warnf("Left the optimizer-svc snapshots %s of %s: %s", optimizer.snapshots(),
                        checkpoint.directory(), e.getMessage());
            }
        }
        deleteQuietly(checkpoint.directory());
    }

    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static void deleteQuietly(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Leftovers are hidden names or an older checkpoint; the next retention pass retries.
        }
    }
}
