package io.optimesh.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.optimesh.core.optim.SeedAdaptive;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.trainer.data.BatchSampler;
import io.optimesh.trainer.data.Corpus;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.model.Torch;
import io.optimesh.trainer.training.CheckpointSink;
import io.optimesh.trainer.training.Evaluation;
import io.optimesh.trainer.training.Evaluator;
import io.optimesh.trainer.training.InProcessOptimizer;
import io.optimesh.trainer.training.OptimizerSettings;
import io.optimesh.trainer.training.ParameterUpdate;
import io.optimesh.trainer.training.StepMetrics;
import io.optimesh.trainer.training.TrainingConfig;
import io.optimesh.trainer.training.TrainingListener;
import io.optimesh.trainer.training.TrainingLoop;
import io.optimesh.trainer.training.TrainingOutcome;
import io.optimesh.trainer.training.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    private static final GptConfig TINY = GptConfig.tiny();
    private static final Corpus EUROPARL = Corpus.europarl();
    private static final Evaluator EVALUATOR =
            new Evaluator(BatchSampler.validationBatches(EUROPARL, TINY.context(), 8, 1));
    private static final LongToDoubleFunction SCHEDULE = s -> s < 4 ? 2e-3 * (s + 1) / 4 : 2e-3;
    private static final OptimizerSettings ADAMW = OptimizerSettings.of("adamw", Map.of("beta2", 0.95), 0.1);

    @TempDir
    Path dir;

    private NDManager root;

    @BeforeEach
    void open() {
        root = NDManager.newBaseManager(Torch.ENGINE);
    }

    @AfterEach
    void close() {
        root.close();
    }

    @Test
    void aRunResumedFromItsCheckpointRepeatsTheUninterruptedLosses() {
        resumeRepeatsTheUninterruptedLosses(ADAMW);
    }

    @Test
    void seedAdaptiveResumesWithItsPlateauController() {
        // Patience 0: every step that sets no new low halves the rate, so by the checkpoint at
        // step 6 the controller has cut it, and a resume that forgot the cuts would train faster.
        OptimizerSettings seedAdaptive = OptimizerSettings.of("seed-adaptive", Map.of("patience", 0.0), 0.0);
        Checkpoint checkpoint = resumeRepeatsTheUninterruptedLosses(seedAdaptive);
        SeedAdaptive.Rule saved = new SeedAdaptive().configure(Map.of());
        saved.restoreController(checkpoint.optimizerState().get(InProcessOptimizer.CONTROLLER));
        assertThat(saved.plateau().scale()).isLessThan(1.0);
        assertThat(saved.plateau().best()).isEqualTo(checkpoint.manifest().bestLoss());
    }

    /** Trains 10 steps whole and in two parts through a checkpoint at 6; returns that checkpoint. */
    private Checkpoint resumeRepeatsTheUninterruptedLosses(OptimizerSettings settings) {
        TrainingConfig config = TrainingConfig.of(10, 8, 1, 21).withMetricsBatch(1);
        Losses uninterrupted = new Losses();
        try (Gpt model = Gpt.initialize(TINY, 21, root);
                InProcessOptimizer adamw = new InProcessOptimizer(settings, model.parameters())) {
            loop(model, adamw, config, uninterrupted, null).run(() -> false);
        }

        CheckpointStore store = new CheckpointStore(dir.resolve("run"), Retention.keepAll());
        Losses firstPart = new Losses();
        try (Gpt model = Gpt.initialize(TINY, 21, root);
                InProcessOptimizer adamw = new InProcessOptimizer(settings, model.parameters())) {
            TrainingOutcome stopped = loop(model, adamw, config.withCheckpointEvery(4), firstPart, store)
                    .run(() -> firstPart.losses.size() == 6);
            assertThat(stopped.status()).isEqualTo(TrainingOutcome.Status.STOPPED);
        }
        assertThat(firstPart.saved).extracting(CheckpointSink.Saved::step).containsExactly(4L, 6L);
        assertThat(store.list()).extracting(c -> c.manifest().step()).containsExactly(4L, 6L);

        Checkpoint checkpoint = store.latest().orElseThrow();
        CheckpointManifest manifest = checkpoint.manifest();
        assertThat(manifest.data()).isEqualTo(new CheckpointManifest.Data(21, 6));
        assertThat(manifest.optimizer()).isEqualTo(new CheckpointManifest.Optimizer(settings.algorithm().name(), 6,
                "optimizer.safetensors"));
        assertThat(manifest.model()).isEqualTo(TINY);
        assertThat(manifest.tokensSeen()).isEqualTo(6L * 8 * 64);
        assertThat(manifest.lastLoss()).isEqualTo(firstPart.losses.get(5));
        assertThat(manifest.bestLoss()).isEqualTo(firstPart.losses.stream().mapToDouble(d -> d).min().orElseThrow());

        Losses secondPart = new Losses();
        try (Gpt model = checkpoint.loadModel(root);
                InProcessOptimizer adamw = InProcessOptimizer.restore(settings, model.parameters(),
                        checkpoint.optimizerState(), manifest.optimizer().updates())) {
            TrainingOutcome finished = loop(model, adamw, config, secondPart, null)
                    .resume(manifest.step(), manifest.bestLoss(), () -> false);
            assertThat(finished.status()).isEqualTo(TrainingOutcome.Status.COMPLETED);
        }
        List<Double> resumed = new ArrayList<>(firstPart.losses);
        resumed.addAll(secondPart.losses);
        // Bit-identical: same weights, moments, batches, device and thread count.
        assertThat(resumed).isEqualTo(uninterrupted.losses);
        return checkpoint;
    }

    @Test
    void weightsAreSafetensorsWithGpt2NamesThatLoadBack() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, Retention.keepAll());
        try (Gpt model = Gpt.initialize(TINY, 3, root);
                InProcessOptimizer adamw = new InProcessOptimizer(ADAMW, model.parameters())) {
            CheckpointSink.Saved saved = store.save(state(7, model, adamw, null));
            Path directory = Path.of(URI.create(saved.location()));
            assertThat(directory).isEqualTo(dir.resolve("step-000000007").toAbsolutePath());
            try (SafetensorsFile weights = SafetensorsFile.open(directory.resolve("model.safetensors"))) {
                assertThat(weights.metadata()).containsEntry("format", "pt");
                assertThat(weights.tensors()).hasSize(model.parameters().size())
                        .allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.F32));
                assertThat(weights.info("transformer.h.0.attn.c_attn.weight").shape()).containsExactly(64, 192);
                assertThat(weights.readFloats("transformer.wte.weight"))
                        .isEqualTo(model.parameters().get("transformer.wte.weight").toFloatArray());
            }
            try (SafetensorsFile optimizer = SafetensorsFile.open(directory.resolve("optimizer.safetensors"))) {
                assertThat(optimizer.metadata()).containsEntry("optimizer", "adamw");
                assertThat(optimizer.tensors()).hasSize(2 * model.parameters().size());
            }
            try (Gpt loaded = Checkpoint.open(directory).loadModel(root)) {
                model.parameters().forEach((name, p) ->
                        assertThat(loaded.parameters().get(name).toFloatArray()).as(name).isEqualTo(p.toFloatArray()));
            }
            assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).containsExactly("step-000000007");
        }
    }

    @Test
    void retentionKeepsTheLastAndTheBestEvaluated() {
        CheckpointStore store = new CheckpointStore(dir, new Retention(2, true));
        double[] evalLosses = {3.0, 2.0, 2.5, 2.6, 2.7};
        try (Gpt model = Gpt.initialize(TINY, 3, root);
                InProcessOptimizer adamw = new InProcessOptimizer(ADAMW, model.parameters())) {
            for (int step = 1; step <= 5; step++) {
                double loss = evalLosses[step - 1];
                store.save(state(step, model, adamw, new Evaluation(step, loss, Math.exp(loss), 0.3, 512)));
            }
            assertThat(store.list()).extracting(c -> c.manifest().step()).containsExactly(2L, 4L, 5L);
            assertThat(store.best().orElseThrow().manifest().step()).isEqualTo(2);
            // Saving a step again replaces it.
            store.save(state(5, model, adamw, new Evaluation(5, 1.5, Math.exp(1.5), 0.4, 512)));
            assertThat(store.list()).extracting(c -> c.manifest().step()).containsExactly(4L, 5L);
            assertThat(store.latest().orElseThrow().manifest().evaluation().loss()).isEqualTo(1.5);
        }
    }

    /**
     * Checkpoints of a remote optimizer record snapshot files instead of state arrays; retention hands
     * those of the checkpoints it removes to the janitor, and still removes a checkpoint whose
     * snapshots cannot be deleted.
     */
    @Test
    void retentionDeletesTheRemovedCheckpointsSnapshots() throws IOException {
        Path snapshots = Files.createDirectories(dir.resolve("optimizer-svc"));
        List<List<String>> retired = new ArrayList<>();
        boolean[] replicaDown = {false};
        CheckpointStore store = new CheckpointStore(dir.resolve("run"), new Retention(2, false), uris -> {
            if (replicaDown[0]) {
                throw new IllegalStateException("UNAVAILABLE: replica down");
            }
            retired.add(uris);
            for (String uri : uris) {
                try {
                    Files.delete(Path.of(URI.create(uri)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        try (Gpt model = Gpt.initialize(TINY, 3, root);
                InProcessOptimizer adamw = new InProcessOptimizer(ADAMW, model.parameters())) {
            for (int step = 1; step <= 4; step++) {
                replicaDown[0] = step == 4;
                store.save(state(step, model, new SnapshottingOptimizer(adamw, snapshots, step), null));
            }
        }
        assertThat(store.list()).extracting(c -> c.manifest().step()).containsExactly(3L, 4L);
        assertThat(retired).containsExactly(List.of(snapshots.resolve("step-1.safetensors").toUri().toString()));
        try (Stream<Path> left = Files.list(snapshots)) {
            assertThat(left.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("step 2's snapshot stays: the replica was down when its checkpoint went")
                    .containsExactly("step-2.safetensors", "step-3.safetensors", "step-4.safetensors");
        }
    }

    /** The in-process rule, whose state a checkpoint records as one snapshot file, as optimizer-svc writes. */
    private record SnapshottingOptimizer(InProcessOptimizer rule, Path directory, long step) implements ParameterUpdate {
        @Override
        public Stats apply(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double learningRate) {
            return rule.apply(parameters, gradients, learningRate);
        }

        @Override
        public void observeLoss(double loss) {
            rule.observeLoss(loss);
        }

        @Override
        public String name() {
            return rule.name();
        }

        @Override
        public long updates() {
            return step;
        }

        @Override
        public Map<String, StateTensor> state() {
            throw new UnsupportedOperationException("the state is in the snapshot");
        }

        @Override
        public List<String> snapshot() {
            Path file = directory.resolve("step-" + step + ".safetensors");
            try {
                SafetensorsWriter.write(file, List.of(), Map.of("step", Long.toString(step)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return List.of(file.toUri().toString());
        }

        @Override
        public void close() {}
    }

    @Test
    void aCheckpointOfAnotherShapeOrNoneIsRefused() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, Retention.keepAll());
        try (Gpt model = Gpt.initialize(TINY, 3, root);
                InProcessOptimizer adamw = new InProcessOptimizer(ADAMW, model.parameters())) {
            store.save(state(1, model, adamw, null));
        }
        Path directory = dir.resolve("step-000000001");
        Path manifest = directory.resolve("checkpoint.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"dModel\" : 64", "\"dModel\" : 32"));
        assertThatThrownBy(() -> Checkpoint.open(directory).loadModel(root))
                .hasMessageContaining("transformer.wte.weight has shape [256, 64], the model needs [256, 32]");
        assertThatThrownBy(() -> Checkpoint.open(dir)).hasMessageContaining("checkpoint.json missing");
    }

    @Test
    void aWeightsFileOnItsOwnSaysWhatModelItHolds() throws IOException {
        GptConfig rope = TINY.withPositional(GptConfig.Positional.ROPE).withTiedEmbeddings(false);
        CheckpointStore store = new CheckpointStore(dir.resolve("run"), Retention.keepAll());
        Path lone = dir.resolve("elsewhere.safetensors");
        try (Gpt model = Gpt.initialize(rope, 5, root);
                InProcessOptimizer adamw = new InProcessOptimizer(ADAMW, model.parameters())) {
            store.save(state(3, model, adamw, null));
            Path weights = store.latest().orElseThrow().directory().resolve(Checkpoint.WEIGHTS);
            try (SafetensorsFile file = SafetensorsFile.open(weights)) {
                assertThat(file.metadata()).containsKey(Checkpoint.MODEL_METADATA);
            }
            Files.copy(weights, lone);
            try (Gpt fromCheckpoint = Checkpoint.loadWeights(weights, root);
                    Gpt fromLone = Checkpoint.loadWeights(lone, root)) {
                assertThat(fromLone.config()).isEqualTo(rope).isEqualTo(fromCheckpoint.config());
                model.parameters().forEach((name, p) ->
                        assertThat(fromLone.parameters().get(name).toFloatArray()).as(name).isEqualTo(p.toFloatArray()));
            }
        }
        store.clear();
        assertThat(store.list()).isEmpty();
        Path bare = dir.resolve("bare.safetensors");
        SafetensorsWriter.write(bare, List.of(), Map.of());
        assertThatThrownBy(() -> Checkpoint.loadWeights(bare, root)).hasMessageContaining("cannot tell what model");
    }

    private static TrainingState state(long step, Gpt model, ParameterUpdate adamw, Evaluation evaluation) {
        return new TrainingState(step, 1, step * 512, 2.0, 2.5, evaluation, model, adamw);
    }

    private static TrainingLoop loop(Gpt model, InProcessOptimizer adamw, TrainingConfig config, Losses losses,
            CheckpointStore store) {
        BatchSampler sampler = new BatchSampler(EUROPARL, TINY.context(), config.rowsPerStep(), config.seed());
        return new TrainingLoop(model, adamw, sampler, EVALUATOR, SCHEDULE, config, losses, store);
    }

    private static final class Losses implements TrainingListener {
        final List<Double> losses = new ArrayList<>();
        final List<CheckpointSink.Saved> saved = new ArrayList<>();

        @Override
        public void onStepMetrics(List<StepMetrics> batch) {
            batch.forEach(m -> losses.add(m.loss()));
        }

        @Override
        public void onCheckpoint(CheckpointSink.Saved checkpoint) {
            saved.add(checkpoint);
        }
    }
}
