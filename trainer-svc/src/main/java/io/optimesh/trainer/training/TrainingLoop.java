package io.optimesh.trainer.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.optimesh.trainer.data.Batch;
import io.optimesh.trainer.data.BatchSampler;
import io.optimesh.trainer.determinism.Seeds;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.Torch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongToDoubleFunction;

/**
 * Trains a {@link Gpt} for a number of steps. Each step s: the learning rate is the schedule's
 * value at s; the step's batch is {@code sampler.batch(s)}, split into micro-batches whose
 * gradients accumulate (each loss scaled by 1/accumulation, so the gradient is that of the mean
 * loss over the whole step); the global gradient norm is measured and clipped; the update applied.
 *
 * <p>Everything a step depends on is a function of the run's seeds and s (batches, dropout masks)
 * or is restored from a checkpoint (weights, optimizer moments), so a run resumed at step s
 * continues exactly as it would have.
 *
 * <p>The loop runs on the calling thread and checks {@code stopRequested} before every step.
 * DJL allows one gradient collector per process at a time, so one loop trains at a time.
 */
public final class TrainingLoop {

    /** Keeps dropout seeds apart from other seeds derived from the run seed. */
    private static final long DROPOUT_DOMAIN = 0x44524F50_4F555421L;

    private final Gpt model;
    private final ParameterUpdate optimizer;
    private final BatchSampler sampler;
    private final Evaluator evaluator;
    private final LongToDoubleFunction learningRate;
    private final TrainingConfig config;
    private final TrainingListener listener;
    private final CheckpointSink checkpoints;

    /** A loop without checkpoints ({@code config.checkpointEvery()} must be 0). */
    public TrainingLoop(Gpt model, ParameterUpdate optimizer, BatchSampler sampler, Evaluator evaluator,
            LongToDoubleFunction learningRate, TrainingConfig config, TrainingListener listener) {
        this(model, optimizer, sampler, evaluator, learningRate, config, listener, null);
    }

    /** A loop that saves checkpoints through {@code checkpoints} as {@code config.checkpointEvery()} asks. */
    public TrainingLoop(Gpt model, ParameterUpdate optimizer, BatchSampler sampler, Evaluator evaluator,
            LongToDoubleFunction learningRate, TrainingConfig config, TrainingListener listener,
            CheckpointSink checkpoints) {
        if (config.checkpointEvery() > 0 && checkpoints == null) {
            throw new IllegalArgumentException("checkpointEvery is set but there is nowhere to save checkpoints");
        }
        if (sampler.rowsPerStep() != config.rowsPerStep()) {
            throw new IllegalArgumentException("the sampler draws " + sampler.rowsPerStep()
                    + " rows per step, the config needs " + config.rowsPerStep());
        }
        if (sampler.length() > model.config().context()) {
            throw new IllegalArgumentException("rows of " + sampler.length() + " tokens exceed the model's context "
                    + model.config().context());
        }
        this.model = model;
        this.optimizer = optimizer;
        this.sampler = sampler;
        this.evaluator = evaluator;
        this.learningRate = learningRate;
        this.config = config;
        this.listener = listener;
        this.checkpoints = checkpoints;
    }

    /** Runs a fresh run: steps 0 … {@code config.steps() − 1}. */
    public TrainingOutcome run(BooleanSupplier stopRequested) {
        return resume(0, Double.POSITIVE_INFINITY, stopRequested);
    }

    /**
     * Runs steps {@code startStep} … {@code config.steps() − 1}. {@code startStep} must equal the
     * updates the optimizer has applied, and {@code bestLoss} is the lowest step loss before it
     * (both from the checkpoint), so that divergence is judged as in an uninterrupted run.
     */
    public TrainingOutcome resume(long startStep, double bestLoss, BooleanSupplier stopRequested) {
        if (startStep < 0 || startStep > config.steps()) {
            throw new IllegalArgumentException("start step " + startStep + " outside [0, " + config.steps() + "]");
        }
        if (optimizer.updates() != startStep) {
            throw new IllegalStateException("the optimizer has applied " + optimizer.updates()
                    + " updates but the run starts at step " + startStep);
        }
        long started = System.nanoTime();
        long tokensPerStep = (long) config.rowsPerStep() * sampler.length();
        DivergenceDetector detector = new DivergenceDetector(config.divergenceFactor(), bestLoss);
        List<StepMetrics> pending = new ArrayList<>(config.metricsBatch());
        Evaluation lastEvaluation = null;
        double lastLoss = Double.NaN;
        long lastCheckpoint = startStep;
        for (long step = startStep; step < config.steps(); step++) {
            if (stopRequested.getAsBoolean()) {
                flush(pending);
                if (config.checkpointEvery() > 0 && lastCheckpoint != step) {
                    checkpoint(step, step * tokensPerStep, detector, lastLoss, lastEvaluation);
                }
                return new TrainingOutcome(TrainingOutcome.Status.STOPPED, step, step * tokensPerStep, lastLoss,
                        lastEvaluation, null, elapsed(started));
            }
            double lr = learningRate.applyAsDouble(step);
            if (!(lr >= 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("learning rate at step " + step + " is " + lr);
            }
            long stepStarted = System.nanoTime();
            StepResult result = step(step, lr, detector);
            if (result.divergence() != null) {
                flush(pending);
                return new TrainingOutcome(TrainingOutcome.Status.DIVERGED, step, step * tokensPerStep, lastLoss,
                        lastEvaluation, result.divergence(), elapsed(started));
            }
            double seconds = (System.nanoTime() - stepStarted) / 1e9;
            lastLoss = result.loss();
            pending.add(new StepMetrics(step, result.loss(), lr, result.gradNorm(), result.clipped(),
                    result.stats().ratio(), tokensPerStep / seconds, (step + 1) * tokensPerStep, seconds));
            if (pending.size() >= config.metricsBatch()) {
                flush(pending);
            }
            boolean last = step + 1 == config.steps();
            if (last || (config.evalEvery() > 0 && (step + 1) % config.evalEvery() == 0)) {
                flush(pending);
                lastEvaluation = evaluator.evaluate(model, step + 1);
                listener.onEvaluation(lastEvaluation);
            }
            if (config.checkpointEvery() > 0 && (last || (step + 1) % config.checkpointEvery() == 0)) {
                flush(pending);
                checkpoint(step + 1, (step + 1) * tokensPerStep, detector, lastLoss, lastEvaluation);
                lastCheckpoint = step + 1;
            }
        }
        flush(pending);
        return new TrainingOutcome(TrainingOutcome.Status.COMPLETED, config.steps(), config.steps() * tokensPerStep,
                lastLoss, lastEvaluation, null, elapsed(started));
    }

    private record StepResult(double loss, double gradNorm, boolean clipped, ParameterUpdate.Stats stats,
            Divergence divergence) {}

    private StepResult step(long step, double lr, DivergenceDetector detector) {
        Map<String, NDArray> parameters = model.parameters();
        parameters.values().forEach(Torch::zeroGradient);
        Torch.manualSeed(Seeds.mix(config.seed(), DROPOUT_DOMAIN, step));
        Batch batch = sampler.batch(step);
        try (NDManager scope = model.manager().newSubManager()) {
            double lossSum = 0;
            for (int micro = 0; micro < config.accumulation(); micro++) {
                Batch part = batch.rows(micro * config.microBatchRows(), config.microBatchRows());
                try (NDManager microScope = scope.newSubManager();
                        GradientCollector collector = Engine.getEngine(Torch.ENGINE).newGradientCollector()) {
                    Shape shape = new Shape(part.rows(), part.length());
                    NDArray loss = model.loss(microScope.create(part.inputs(), shape),
                            microScope.create(part.targets(), shape), true);
                    collector.backward(Torch.scale(loss, 1.0 / config.accumulation()));
                    lossSum += loss.getFloat();
                }
            }
            double loss = lossSum / config.accumulation();
            Divergence lossDivergence = detector.checkLoss(step, loss);
            if (lossDivergence != null) {
                return new StepResult(loss, Double.NaN, false, null, lossDivergence);
            }
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            NDList squares = new NDList();
            try (Torch.GradModeScope noGrad = Torch.noGrad()) {
                parameters.forEach((name, p) -> {
                    NDArray gradient = p.getGradient();
                    gradient.attach(scope);
                    gradients.put(name, gradient);
                    squares.add(gradient.square().sum());
                });
                double gradNorm = Math.sqrt(NDArrays.stack(squares).sum().getFloat());
                Divergence gradientDivergence = detector.checkGradient(step, loss, gradNorm);
                if (gradientDivergence != null) {
                    return new StepResult(loss, gradNorm, false, null, gradientDivergence);
                }
                boolean clipped = config.gradClip() > 0 && gradNorm > config.gradClip();
                if (clipped) {
                    // As torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6).
                    float scale = (float) (config.gradClip() / (gradNorm + 1e-6));
                    gradients.values().forEach(g -> g.muli(scale));
                }
                ParameterUpdate.Stats stats = optimizer.apply(parameters, gradients, lr);
                optimizer.observeLoss(loss);
                detector.accept(loss);
                return new StepResult(loss, gradNorm, clipped, stats, null);
            }
        }
    }

    private void checkpoint(long step, long tokensSeen, DivergenceDetector detector, double lastLoss,
            Evaluation lastEvaluation) {
        TrainingState state = new TrainingState(step, config.seed(), tokensSeen, detector.bestLoss(), lastLoss,
                lastEvaluation, model, optimizer);
        listener.onCheckpoint(checkpoints.save(state));
    }

    private void flush(List<StepMetrics> pending) {
        if (!pending.isEmpty()) {
            listener.onStepMetrics(List.copyOf(pending));
            pending.clear();
        }
    }

    private static Duration elapsed(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}
