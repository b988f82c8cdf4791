package io.optimesh.trainer.run;

import ai.djl.Device;
import io.optimesh.core.schedule.ScheduleChecks;
import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.core.optim.Algorithm;
import io.optimesh.core.optim.AlgorithmCatalog;
import io.optimesh.core.optim.Hyperparameter;
import io.optimesh.core.optim.LossAware;
import io.optimesh.trainer.training.Devices;
import io.optimesh.trainer.training.OptimizerSettings;
import io.optimesh.trainer.training.TrainingConfig;
import io.optimesh.v1.ModelOverrides;
import io.optimesh.v1.OptimizerPlacement;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.RunSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a {@link RunSpec} beyond what its declared constraints can (the gRPC interceptor has
 * enforced those) and turns it into a {@link RunPlan}. Every problem is found before any training
 * starts: field problems all at once ({@link InvalidRequestException}), then the ones that are not
 * the spec's fault ({@link RunException}: remote optimizer placement, a device that is not here).
 */
public final class RunPlanner {

    /** Optimizer algorithms the trainer runs in process: every one optimizer-svc serves. */
    public static final List<String> ALGORITHMS = AlgorithmCatalog.all().stream().map(Algorithm::name).toList();

    private final RunDefaults defaults;

    public RunPlanner(RunDefaults defaults) {
        this.defaults = defaults;
    }

    /**
     * The plan of {@code spec}.
     *
     * @throws InvalidRequestException listing every field problem
     * @throws RunException NOT_SUPPORTED for remote optimizer placement without a configured
     *     optimizer-svc, DEVICE_UNAVAILABLE for a GPU that is not there
     */
    RunPlan plan(RunSpec spec) {
        List<Violation> violations = new ArrayList<>();
        GptConfig model = model(spec, violations);
        int sequenceLength = spec.getSequenceLength();
        if (model != null) {
            if (sequenceLength == 0) {
                sequenceLength = model.context();
            } else if (sequenceLength > model.context()) {
                violations.add(new Violation("spec.sequence_length",
                        sequenceLength + " exceeds the model's context of " + model.context()));
            }
        }
        Datasets.Dataset dataset = sequenceLength > 0
                ? Datasets.load(spec.getDataset(), "spec.dataset", sequenceLength + 1, violations)
                : null;
        OptimizerSettings optimizer = optimizer(spec.getOptimizer(), violations);
        ScheduleEvaluator schedule = schedule(spec, violations);
        TrainingConfig training = training(spec, violations);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        boolean remote = spec.getOptimizerPlacement() == OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE;
        if (remote && defaults.optimizerReplicas() == 0) {
            throw new RunException(RunException.Problem.NOT_SUPPORTED, "REMOTE_OPTIMIZER_NOT_CONFIGURED",
                    "spec.optimizer_placement: OPTIMIZER_PLACEMENT_REMOTE needs optimizer-svc, and this trainer has no"
                            + " replica configured (optimesh.trainer.optimizer-replicas); it runs " + ALGORITHMS
                            + " in process",
                    Map.of("field", "spec.optimizer_placement"));
        }
        if (remote && optimizer.algorithm().configure(Map.of()) instanceof LossAware) {
            // optimizer-svc's ApplyUpdates carries gradients, not losses: the rule's controller would never run.
            throw new RunException(RunException.Problem.NOT_SUPPORTED, "LOSS_AWARE_OPTIMIZER_NOT_REMOTE",
                    "spec.optimizer_placement: " + optimizer.algorithm().name() + " follows the training loss, which"
                            + " the remote placement does not send; train it in process",
                    Map.of("field", "spec.optimizer_placement"));
        }
        Device device = device(spec.getDevice().isEmpty() ? defaults.device() : spec.getDevice());
        int evalBatches = spec.getEvalBatches() > 0 ? spec.getEvalBatches() : defaults.evalBatches();
        int keepLast = spec.getKeepLastCheckpoints() > 0 ? spec.getKeepLastCheckpoints() : defaults.keepLastCheckpoints();
        return new RunPlan(model, dataset, sequenceLength, training, optimizer, remote, schedule, evalBatches, keepLast,
                device);
    }

    /** The preset with the spec's overrides; null (with violations) when they do not make a model. */
    private static GptConfig model(RunSpec spec, List<Violation> violations) {
        GptConfig preset;
        try {
            preset = GptConfig.preset(spec.getModelPreset());
        } catch (IllegalArgumentException e) {
            violations.add(new Violation("spec.model_preset", e.getMessage()));
            return null;
        }
        ModelOverrides o = spec.getModel();
        int layers = o.getLayers() > 0 ? o.getLayers() : preset.layers();
        int width = o.getWidth() > 0 ? o.getWidth() : preset.dModel();
        int heads = o.getHeads() > 0 ? o.getHeads() : preset.heads();
        int context = o.getContext() > 0 ? o.getContext() : preset.context();
        GptConfig.Positional positional = switch (o.getPositionEncoding()) {
            case POSITION_ENCODING_ROPE -> GptConfig.Positional.ROPE;
            case POSITION_ENCODING_LEARNED -> GptConfig.Positional.LEARNED;
            default -> preset.positional();
        };
        boolean tied = o.hasTiedEmbeddings() ? o.getTiedEmbeddings() : preset.tiedEmbeddings();
        double dropout = o.hasDropout() ? o.getDropout() : preset.dropout();
        if (width % heads != 0) {
            violations.add(new Violation("spec.model.heads",
                    "the width " + width + " must be a multiple of the " + heads + " heads"));
            return null;
        }
        if (positional == GptConfig.Positional.ROPE && (width / heads) % 2 != 0) {
            violations.add(new Violation("spec.model.position_encoding",
                    "rotary embeddings need an even head dimension, width / heads = " + width / heads));
            return null;
        }
        return new GptConfig(preset.vocabSize(), layers, width, heads, context, positional, tied, dropout);
    }

    /** The spec's algorithm with its hyper-parameters, each checked against the range the algorithm declares. */
    private static OptimizerSettings optimizer(OptimizerSpec optimizer, List<Violation> violations) {
        Algorithm algorithm = OptimizerSettings.algorithm(optimizer.getAlgorithm()).orElse(null);
        if (algorithm == null) {
            violations.add(new Violation("spec.optimizer.algorithm", "'" + optimizer.getAlgorithm()
                    + "' is not an algorithm this trainer runs; supported: " + ALGORITHMS));
            return null;
        }
        int before = violations.size();
        List<String> declared = algorithm.hyperparameters().stream().map(Hyperparameter::name).toList();
        for (Map.Entry<String, Double> entry : optimizer.getHyperparametersMap().entrySet()) {
            String field = "spec.optimizer.hyperparameters[\"" + entry.getKey() + "\"]";
            Hyperparameter h = algorithm.hyperparameters().stream()
                    .filter(d -> d.name().equals(entry.getKey())).findFirst().orElse(null);
            double value = entry.getValue();
            if (h == null) {
                violations.add(new Violation(field, algorithm.name() + " has no hyper-parameter '" + entry.getKey()
                        + "'; it reads " + declared + " (weight decay is spec.optimizer.weight_decay)"));
            } else if (!h.accepts(value)) {
                violations.add(new Violation(field, "must be in [" + h.min() + ", " + h.max() + "], got " + value));
            }
        }
        if (violations.size() > before) {
            return null;
        }
        return OptimizerSettings.of(algorithm.name(), optimizer.getHyperparametersMap(), optimizer.getWeightDecay());
    }

    private static ScheduleEvaluator schedule(RunSpec spec, List<Violation> violations) {
        int before = violations.size();
        ScheduleChecks.violations(spec.getSchedule(), "spec.schedule")
                .forEach(v -> violations.add(new Violation(v.field(), v.description())));
        if (spec.getSchedule().getTotalSteps() < spec.getSteps()) {
            violations.add(new Violation("spec.schedule.total_steps", "the schedule covers "
                    + spec.getSchedule().getTotalSteps() + " steps, the run trains " + spec.getSteps()));
        }
        return violations.size() > before ? null : ScheduleEvaluator.of(spec.getSchedule());
    }

    private TrainingConfig training(RunSpec spec, List<Violation> violations) {
        long steps = spec.getSteps();
        if (steps <= 0) {
            violations.add(new Violation("spec.steps", "must be positive, got " + steps));
            return null;
        }
        if (spec.getBatchSize() <= 0) {
            violations.add(new Violation("spec.batch_size", "must be positive, got " + spec.getBatchSize()));
            return null;
        }
        int accumulation = spec.getGradientAccumulation() > 0 ? spec.getGradientAccumulation() : 1;
        // An interval at or beyond the last step means "only at the end", which the loop does anyway.
        int evalEvery = (int) Math.min(spec.getEvalInterval(), steps);
        int checkpointEvery = (int) Math.min(spec.getCheckpointInterval() > 0 ? spec.getCheckpointInterval() : steps, steps);
        int metricsBatch = spec.getMetricsBatchSize() > 0 ? spec.getMetricsBatchSize() : defaults.metricsBatchSize();
        return new TrainingConfig(steps, spec.getBatchSize(), accumulation, spec.getSeed(),
                spec.getOptimizer().getGradientClipNorm(), evalEvery, metricsBatch, defaults.divergenceFactor(),
                checkpointEvery);
    }

    private static Device device(String name) {
        try {
            return Devices.resolve(name);
        } catch (IllegalArgumentException e) {
            throw new RunException(RunException.Problem.DEVICE_UNAVAILABLE, "DEVICE_UNAVAILABLE",
                    "spec.device: " + e.getMessage(), Map.of("field", "spec.device", "device", name));
        }
    }
}
