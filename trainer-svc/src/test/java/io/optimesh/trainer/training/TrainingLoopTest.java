package io.optimesh.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.optimesh.trainer.data.Batch;
import io.optimesh.trainer.data.BatchSampler;
import io.optimesh.trainer.data.Corpus;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.model.Torch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrainingLoopTest {

    private static final GptConfig TINY = GptConfig.tiny();
    private static final Corpus EUROPARL = Corpus.europarl();
    private static final Evaluator EVALUATOR =
            new Evaluator(BatchSampler.validationBatches(EUROPARL, TINY.context(), 16, 4));
    /** Linear warmup over 10 steps to 3e-3, then constant. */
    private static final LongToDoubleFunction WARMUP_CONSTANT = s -> s < 10 ? 3e-3 * (s + 1) / 10 : 3e-3;

    /** The usual GPT pre-training AdamW: beta2 0.95, weight decay 0.1. */
    private static final OptimizerSettings ADAMW = OptimizerSettings.of("adamw", Map.of("beta2", 0.95), 0.1);

    private NDManager root;

    @BeforeEach
    void open() {
        root = NDManager.newBaseManager(Devices.resolve("cpu"), Torch.ENGINE);
    }

    @AfterEach
    void close() {
        root.close();
    }

    @Test
    void theTinyModelLearnsEuroparl() {
        TrainingConfig config = TrainingConfig.of(80, 16, 1, 1).withEvalEvery(40).withMetricsBatch(16);
        Recorder recorder = new Recorder();
        try (Run run = new Run(config, WARMUP_CONSTANT, recorder)) {
            TrainingOutcome outcome = run.loop.run(() -> false);

            assertThat(outcome.status()).isEqualTo(TrainingOutcome.Status.COMPLETED);
            assertThat(outcome.stepsCompleted()).isEqualTo(80);
            assertThat(outcome.tokensSeen()).isEqualTo(80L * 16 * 64);
            List<StepMetrics> steps = recorder.steps();
            assertThat(steps).extracting(StepMetrics::step).containsExactlyElementsOf(range(0, 80));
            assertThat(recorder.batchSizes).containsExactly(16, 16, 8, 16, 16, 8);
            assertThat(steps.get(0).loss()).isGreaterThan(5.4);
            double lastTen = steps.subList(70, 80).stream().mapToDouble(StepMetrics::loss).average().orElseThrow();
            assertThat(lastTen).isLessThan(3.5);
            assertThat(recorder.evaluations).extracting(Evaluation::afterSteps).containsExactly(40L, 80L);
            Evaluation last = outcome.lastEvaluation();
            assertThat(last).isEqualTo(recorder.evaluations.get(1));
            assertThat(last.loss()).isLessThan(3.5).isLessThan(recorder.evaluations.get(0).loss());
            assertThat(last.accuracy()).isGreaterThan(0.1);
            StepMetrics ten = steps.get(10);
            assertThat(ten.learningRate()).isEqualTo(3e-3);
            assertThat(ten.tokensSeen()).isEqualTo(11L * 16 * 64);
            assertThat(ten.gradNorm()).isPositive();
            assertThat(ten.updateToParamRatio()).isBetween(1e-4, 1e-1);
            assertThat(ten.tokensPerSecond()).isPositive();
        }
    }

    @Test
    void lionAndSgdFromTheSharedCatalogTrainTheTinyModel() {
        Map<String, OptimizerSettings> optimizers = Map.of(
                "lion", OptimizerSettings.of("lion", Map.of(), 0.1),
                "sgd", OptimizerSettings.of("sgd", Map.of(), 0.0));
        Map<String, LongToDoubleFunction> schedules = Map.of("lion", s -> 1e-3, "sgd", s -> 0.5);
        optimizers.forEach((name, settings) -> {
            Recorder recorder = new Recorder();
            try (Gpt model = Gpt.initialize(TINY, 4, root);
                    InProcessOptimizer optimizer = new InProcessOptimizer(settings, model.parameters())) {
                TrainingConfig config = TrainingConfig.of(30, 16, 1, 4).withMetricsBatch(30);
                new TrainingLoop(model, optimizer, new BatchSampler(EUROPARL, TINY.context(), 16, 4), EVALUATOR,
                        schedules.get(name), config, recorder).run(() -> false);
                assertThat(optimizer.updates()).isEqualTo(30);
            }
            List<Double> losses = recorder.losses();
            double lastFive = losses.subList(25, 30).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertThat(losses.get(0)).as(name).isGreaterThan(5.4);
            assertThat(lastFive).as(name).isLessThan(losses.get(0) - 1.0);
        });
    }

    @Test
    void twoRunsWithTheSameSeedAreIdentical() {
        TrainingConfig config = TrainingConfig.of(12, 8, 1, 3);
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        Map<String, float[]> firstWeights;
        try (Run run = new Run(config, WARMUP_CONSTANT, first)) {
            run.loop.run(() -> false);
            firstWeights = weights(run.model);
        }
        try (Run run = new Run(config, WARMUP_CONSTANT, second)) {
            run.loop.run(() -> false);
            // Bit-identical on the same device and thread count.
            assertThat(second.losses()).isEqualTo(first.losses());
            Map<String, float[]> secondWeights = weights(run.model);
            firstWeights.forEach((name, values) -> assertThat(secondWeights.get(name)).as(name).isEqualTo(values));
        }
    }

    @Test
    void aResumedRunContinuesWithTheSameLosses() {
        TrainingConfig config = TrainingConfig.of(10, 8, 1, 5).withMetricsBatch(1);
        Recorder whole = new Recorder();
        try (Run run = new Run(config, WARMUP_CONSTANT, whole)) {
            run.loop.run(() -> false);
        }
        Recorder halves = new Recorder();
        try (Run run = new Run(config, WARMUP_CONSTANT, halves)) {
            TrainingOutcome stopped = run.loop.run(() -> halves.steps().size() >= 4);
            assertThat(stopped.status()).isEqualTo(TrainingOutcome.Status.STOPPED);
            assertThat(stopped.stepsCompleted()).isEqualTo(4);
            double best = halves.losses().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            TrainingOutcome finished = run.loop.resume(4, best, () -> false);
            assertThat(finished.status()).isEqualTo(TrainingOutcome.Status.COMPLETED);
            assertThat(finished.stepsCompleted()).isEqualTo(10);
        }
        assertThat(halves.losses()).isEqualTo(whole.losses());
    }

    @Test
    void gradientAccumulationMatchesOneLargeBatch() {
        RecordingSgd whole = new RecordingSgd();
        RecordingSgd accumulated = new RecordingSgd();
        try (Run run = new Run(TrainingConfig.of(1, 16, 1, 9), s -> 1e-3, TrainingListener.NONE, whole)) {
            run.loop.run(() -> false);
        }
        try (Run run = new Run(TrainingConfig.of(1, 4, 4, 9), s -> 1e-3, TrainingListener.NONE, accumulated)) {
            run.loop.run(() -> false);
        }
        assertThat(accumulated.gradients.keySet()).containsExactlyElementsOf(whole.gradients.keySet());
        whole.gradients.forEach((name, values) -> {
            float[] other = accumulated.gradients.get(name);
            for (int i = 0; i < values.length; i++) {
                assertThat(other[i]).as("%s[%d]", name, i).isCloseTo(values[i], within(1e-6f));
            }
        });
    }

    @Test
    void eachStepsLossIsReportedToTheOptimizerAfterItsUpdate() {
        RecordingSgd sgd = new RecordingSgd();
        Recorder recorder = new Recorder();
        try (Run run = new Run(TrainingConfig.of(3, 8, 1, 4).withMetricsBatch(1), s -> 1e-3, recorder, sgd)) {
            run.loop.run(() -> false);
        }
        assertThat(sgd.observedLosses).hasSize(3).isEqualTo(recorder.losses());
        assertThat(sgd.updatesWhenObserved).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aHugeLearningRateIsCaughtAsDivergence() {
        Recorder recorder = new Recorder();
        try (Run run = new Run(TrainingConfig.of(50, 8, 1, 2), s -> 10.0, recorder)) {
            TrainingOutcome outcome = run.loop.run(() -> false);

            assertThat(outcome.status()).isEqualTo(TrainingOutcome.Status.DIVERGED);
            Divergence divergence = outcome.divergence();
            assertThat(divergence.step()).isEqualTo(outcome.stepsCompleted()).isBetween(1L, 10L);
            assertThat(divergence.reason()).isIn(Divergence.Reason.LOSS_EXPLOSION, Divergence.Reason.NON_FINITE_LOSS);
            assertThat(divergence.loss()).satisfiesAnyOf(
                    loss -> assertThat(loss).isNaN(), loss -> assertThat(loss).isGreaterThan(divergence.threshold()));
            assertThat(divergence.recentLosses()).isEqualTo(recorder.losses());
            assertThat(divergence.bestLoss()).isEqualTo(recorder.losses().stream().mapToDouble(d -> d).min().orElseThrow());
            assertThat(outcome.lastEvaluation()).isNull();
        }
    }

    @Test
    void evaluationIsConsistentWithTheLoss() {
        try (Run run = new Run(TrainingConfig.of(1, 8, 1, 1), s -> 0, TrainingListener.NONE)) {
            Evaluation evaluation = EVALUATOR.evaluate(run.model, 0);
            assertThat(evaluation.perplexity()).isCloseTo(Math.exp(evaluation.loss()), within(1e-9));
            assertThat(evaluation.tokens()).isEqualTo(4L * 16 * 64);
            assertThat(evaluation.loss()).isCloseTo(Math.log(256), within(0.05));
            // The model's own mean loss, batch by batch, agrees (equal-sized batches).
            double meanOfBatchLosses = 0;
            long correct = 0;
            try (NDManager scope = run.model.manager().newSubManager(); Torch.GradModeScope noGrad = Torch.noGrad()) {
                for (Batch batch : EVALUATOR.batches()) {
                    Shape shape = new Shape(batch.rows(), batch.length());
                    NDArray inputs = scope.create(batch.inputs(), shape);
                    meanOfBatchLosses += run.model.loss(inputs, scope.create(batch.targets(), shape), false).getFloat() / 4;
                    long[] predicted = run.model.logits(inputs, false).argMax(2).toLongArray();
                    for (int i = 0; i < predicted.length; i++) {
                        correct += predicted[i] == batch.targets()[i] ? 1 : 0;
                    }
                }
            }
            assertThat(evaluation.loss()).isCloseTo(meanOfBatchLosses, within(1e-5));
            assertThat(evaluation.accuracy()).isEqualTo((double) correct / evaluation.tokens());
            assertThat(EVALUATOR.evaluate(run.model, 0)).isEqualTo(evaluation);
        }
    }

    @Test
    void inconsistentSetupsAreRefused() {
        try (Run run = new Run(TrainingConfig.of(5, 8, 1, 1), s -> 1e-3, TrainingListener.NONE)) {
            assertThatThrownBy(() -> new TrainingLoop(run.model, run.adamw, new BatchSampler(EUROPARL, 64, 16, 1),
                    EVALUATOR, s -> 1e-3, TrainingConfig.of(5, 8, 1, 1), TrainingListener.NONE))
                    .hasMessageContaining("draws 16 rows per step, the config needs 8");
            assertThatThrownBy(() -> run.loop.resume(2, 5.0, () -> false))
                    .hasMessageContaining("applied 0 updates but the run starts at step 2");
        }
        try (Run run = new Run(TrainingConfig.of(5, 8, 1, 1), s -> s == 2 ? -1 : 1e-3, TrainingListener.NONE)) {
            assertThatThrownBy(() -> run.loop.run(() -> false)).hasMessageContaining("learning rate at step 2 is -1.0");
        }
    }

    /** A tiny model, AdamW and Europarl batches wired into a loop. */
    private final class Run implements AutoCloseable {
        final Gpt model;
        final InProcessOptimizer adamw;
        final TrainingLoop loop;

        Run(TrainingConfig config, LongToDoubleFunction schedule, TrainingListener listener) {
            this(config, schedule, listener, null);
        }

        Run(TrainingConfig config, LongToDoubleFunction schedule, TrainingListener listener, ParameterUpdate update) {
            model = Gpt.initialize(TINY, config.seed(), root);
            adamw = new InProcessOptimizer(ADAMW, model.parameters());
            BatchSampler sampler = new BatchSampler(EUROPARL, TINY.context(), config.rowsPerStep(), config.seed());
            loop = new TrainingLoop(model, update == null ? adamw : update, sampler, EVALUATOR, schedule, config,
                    listener);
        }

        @Override
        public void close() {
            adamw.close();
            model.close();
        }
    }

    /** Plain SGD that keeps a copy of the (clipped) gradients it was given. */
    private static final class RecordingSgd implements ParameterUpdate {
        final Map<String, float[]> gradients = new LinkedHashMap<>();
        final List<Double> observedLosses = new ArrayList<>();
        final List<Long> updatesWhenObserved = new ArrayList<>();
        long updates;

        @Override
        public Stats apply(Map<String, NDArray> parameters, Map<String, NDArray> grads, double learningRate) {
            try (Torch.GradModeScope noGrad = Torch.noGrad()) {
                grads.forEach((name, g) -> {
                    gradients.put(name, g.toFloatArray());
                    parameters.get(name).subi(g.mul((float) learningRate));
                });
            }
            updates++;
            return new Stats(0, 1);
        }

        @Override
        public void observeLoss(double loss) {
            observedLosses.add(loss);
            updatesWhenObserved.add(updates);
        }

        @Override
        public String name() {
            return "sgd";
        }

        @Override
        public long updates() {
            return updates;
        }

        @Override
        public Map<String, StateTensor> state() {
            return Map.of();
        }

        @Override
        public void close() {}
    }

    private static final class Recorder implements TrainingListener {
        final List<List<StepMetrics>> batches = new ArrayList<>();
        final List<Integer> batchSizes = new ArrayList<>();
        final List<Evaluation> evaluations = new ArrayList<>();

        @Override
        public void onStepMetrics(List<StepMetrics> batch) {
            batches.add(batch);
            batchSizes.add(batch.size());
        }

        @Override
        public void onEvaluation(Evaluation evaluation) {
            evaluations.add(evaluation);
        }

        List<StepMetrics> steps() {
            return batches.stream().flatMap(List::stream).toList();
        }

        List<Double> losses() {
            return steps().stream().map(StepMetrics::loss).toList();
        }
    }

    private static Map<String, float[]> weights(Gpt model) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> weights.put(name, p.toFloatArray()));
        return weights;
    }

    private static List<Long> range(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long i = from; i < to; i++) {
            values.add(i);
        }
        return values;
    }
}
