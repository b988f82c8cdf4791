package io.optimesh.trainer.checkpoint;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.TensorInfo;
import io.optimesh.trainer.model.Gpt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checkpoint directory: {@code model.safetensors} (the weights), {@code optimizer.safetensors}
 * (the optimizer's state arrays) and {@code checkpoint.json} (the {@link CheckpointManifest}).
 */
public final class Checkpoint {

    public static final String MANIFEST = "checkpoint.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String OPTIMIZER_STATE = "optimizer.safetensors";

    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path directory;
    private final CheckpointManifest manifest;

    private Checkpoint(Path directory, CheckpointManifest manifest) {
        this.directory = directory;
        this.manifest = manifest;
    }

    /**
     * Reads the manifest of the checkpoint in {@code directory}.
     *
     * @throws IllegalArgumentException when it is missing or not a checkpoint this code reads
     */
    public static Checkpoint open(Path directory) {
        Path file = directory.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no checkpoint at " + directory + " (" + MANIFEST + " missing)");
        }
        CheckpointManifest manifest;
        try {
            manifest = JSON.readValue(file.toFile(), CheckpointManifest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable checkpoint manifest " + file + ": " + e.getMessage(), e);
        }
        if (!CheckpointManifest.FORMAT.equals(manifest.format())) {
            throw new IllegalArgumentException("checkpoint " + directory + " has format " + manifest.format()
                    + ", expected " + CheckpointManifest.FORMAT);
        }
        return new Checkpoint(directory, manifest);
    }

    public Path directory() {
        return directory;
    }

    public CheckpointManifest manifest() {
        return manifest;
    }

    /** The model with the checkpoint's weights, under {@code parent} (on its device). */
    public Gpt loadModel(NDManager parent) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        Gpt.parameterSpecs(manifest.model()).forEach(s -> expected.put(s.name(), s.shape().getShape()));
        Map<String, float[]> weights = readF32(directory.resolve(manifest.weights()), expected);
        return Gpt.fromWeights(manifest.model(), weights, parent);
    }

    /** The optimizer's state arrays by name, as fp32 values. */
    public Map<String, float[]> optimizerState() {
        return readF32(directory.resolve(manifest.optimizer().state()), null);
    }

    /** Every F32 tensor of a file; when {@code shapes} is given, each must have the listed shape. */
    private static Map<String, float[]> readF32(Path path, Map<String, long[]> shapes) {
        Map<String, float[]> values = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            for (TensorInfo info : file.tensors()) {
                if (info.dtype() != DType.F32) {
                    throw new IllegalArgumentException(path + ": tensor " + info.name() + " is " + info.dtype()
                            + ", checkpoints hold F32");
                }
                long[] shape = shapes == null ? null : shapes.get(info.name());
                if (shapes != null && shape != null && !Arrays.equals(shape, info.shape())) {
                    throw new IllegalArgumentException(path + ": tensor " + info.name() + " has shape "
                            + Arrays.toString(info.shape()) + ", the model needs " + Arrays.toString(shape));
                }
                values.put(info.name(), file.readFloats(info.name()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        return values;
    }

    /** Whether the manifest's evaluation was taken at this checkpoint's step. */
    boolean evaluatedAtItsStep() {
        return manifest.evaluation() != null && manifest.evaluation().afterSteps() == manifest.step();
    }

    @Override
    public String toString() {
        return "Checkpoint[" + directory + ", step " + manifest.step() + "]";
    }
}
