package io.optimesh.trainer.checkpoint;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.TensorInfo;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.GptConfig;
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
    /**
     * Weights metadata key holding the model's shape ({@link GptConfig} as JSON), so that a weights
     * file read on its own (a merge of two checkpoints, say, which keeps the metadata its inputs
     * share) still says what model it is.
     */
    public static final String MODEL_METADATA = "optimesh.model";

    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper COMPACT_JSON = new ObjectMapper();

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
        Map<String, float[]> weights = readF32(directory.resolve(manifest.weights()), shapes(manifest.model()));
        return Gpt.fromWeights(manifest.model(), weights, parent);
    }

    private static Map<String, long[]> shapes(GptConfig config) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        Gpt.parameterSpecs(config).forEach(s -> expected.put(s.name(), s.shape().getShape()));
        return expected;
    }

    /**
     * The model in a weights file: its shape from the {@link #MANIFEST} beside it when there is one,
     * else from the file's {@link #MODEL_METADATA}.
     *
     * @throws IllegalArgumentException when neither says what model it is, or the tensors do not fit it
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Gpt loadWeights(Path weightsFile, NDManager parent) {
        Path file = weightsFile.toAbsolutePath().normalize();
        if (Files.isRegularFile(file.resolveSibling(MANIFEST))) {
            Checkpoint checkpoint = open(file.getParent());
            if (checkpoint.directory().resolve(checkpoint.manifest().weights()).equals(file)) {
                return checkpoint.loadModel(parent);
            }
        }
        GptConfig config;
        try (SafetensorsFile weights = SafetensorsFile.open(file)) {
            String json = weights.metadata().get(MODEL_METADATA);
            if (json == null) {
                throw new IllegalArgumentException(weightsFile + " has no " + MANIFEST + " beside it and no "
                        + MODEL_METADATA + " metadata: cannot tell what model the weights belong to");
            }
            config = JSON.readValue(json, GptConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + weightsFile, e);
        }
        return Gpt.fromWeights(config, readF32(file, shapes(config)), parent);
    }

    /** The metadata of a weights file: the model's shape, and the {@code format: pt} Hugging Face's loader expects. */
    static Map<String, String> weightsMetadata(GptConfig config) {
        try {
            return Map.of("format", "pt", MODEL_METADATA, COMPACT_JSON.writeValueAsString(config));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model's shape as JSON", e);
        }
    }

    /**
     * The optimizer's state arrays by name, as fp32 values.
     *
     * @throws IllegalStateException when the state is in optimizer-svc's snapshots instead
     */
    public Map<String, float[]> optimizerState() {
        if (manifest.optimizer().remote()) {
            throw new IllegalStateException(this + " holds no optimizer state arrays: its optimizer ran in"
                    + " optimizer-svc, whose snapshots are " + manifest.optimizer().snapshots());
        }
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
