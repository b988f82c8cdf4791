package io.optimesh.trainer.run;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.optimesh.trainer.checkpoint.Checkpoint;
import io.optimesh.trainer.data.BatchSampler;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.Torch;
import io.optimesh.trainer.training.Devices;
import io.optimesh.trainer.training.Evaluator;
import io.optimesh.v1.DatasetSpec;
import io.optimesh.v1.Evaluation;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scores a checkpoint's weights on a validation split: loss, perplexity and next-token accuracy
 * over windows of the model's full context. Runs on the calling thread, beside any training run.
 */
public final class CheckpointEvaluator {

    private final String device;
    private final int defaultBatches;
    private final int defaultBatchSize;

    /**
     * @param device where to evaluate ({@code cpu}, {@code gpu}, {@code auto}, …)
     * @param defaultBatches validation batches when a request names none
     * @param defaultBatchSize sequences per batch when a request names none
     */
    public CheckpointEvaluator(String device, int defaultBatches, int defaultBatchSize) {
        this.device = device;
        this.defaultBatches = defaultBatches;
        this.defaultBatchSize = defaultBatchSize;
    }

    /**
     * Evaluates the weights at {@code uri}: a {@code file:} URI or a path of a checkpoint's
     * {@code model.safetensors} (or of the checkpoint directory), whose model shape comes from the
     * {@code checkpoint.json} beside it or from the file's own metadata.
     *
     * @param step recorded on the evaluation as the step the weights were taken at
     * @param dataset the corpus whose validation split is scored; Europarl when null
     * @param batches validation batches, 0 for the default
     * @param batchSize sequences per batch, 0 for the default
     * @throws InvalidRequestException when the weights or the dataset cannot be used (fields
     *     {@code checkpoint.uri}, {@code dataset.path})
     * @throws RunException DEVICE_UNAVAILABLE when the configured device is not there
     */
    public Evaluation evaluate(String uri, long step, DatasetSpec dataset, int batches, int batchSize) {
        Path weights = weightsFile(uri);
        Device target;
        try {
            target = Devices.resolve(device);
        } catch (IllegalArgumentException e) {
            throw new RunException(RunException.Problem.DEVICE_UNAVAILABLE, "DEVICE_UNAVAILABLE", e.getMessage(),
                    Map.of("device", device));
        }
        try (NDManager root = NDManager.newBaseManager(target, Torch.ENGINE);
                Gpt model = load(weights, root)) {
            int length = model.config().context();
            List<Violation> violations = new ArrayList<>();
            Datasets.Dataset data = Datasets.load(dataset == null ? DatasetSpec.getDefaultInstance() : dataset,
                    "dataset", length + 1, violations);
            if (data == null) {
                throw new InvalidRequestException(violations);
            }
            Evaluator evaluator = new Evaluator(BatchSampler.validationBatches(data.corpus(), length,
                    batchSize > 0 ? batchSize : defaultBatchSize, batches > 0 ? batches : defaultBatches));
            return Protos.evaluation(evaluator.evaluate(model, step), data.validationName());
        }
    }

    private static Gpt load(Path weights, NDManager root) {
        try {
            return Checkpoint.loadWeights(weights, root);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw invalidUri(e.getMessage());
        }
    }

    private static Path weightsFile(String uri) {
        Path path;
        try {
            URI parsed = new URI(uri);
            if (parsed.getScheme() == null) {
                path = Path.of(uri);
            } else if (parsed.getScheme().equals("file")) {
                path = Path.of(parsed);
            } else {
                throw invalidUri("only file: URIs (or plain paths) are readable by this trainer, got " + uri);
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw invalidUri("not a file URI or path: " + e.getMessage());
        }
        if (Files.isDirectory(path)) {
            path = path.resolve(Checkpoint.WEIGHTS);
        }
        if (!Files.isRegularFile(path)) {
            throw invalidUri("no weights file at " + path);
        }
        return path;
    }

    private static InvalidRequestException invalidUri(String description) {
        return new InvalidRequestException(List.of(new Violation("checkpoint.uri", description)));
    }
}
