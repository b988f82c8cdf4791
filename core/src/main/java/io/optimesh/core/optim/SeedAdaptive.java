package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * The seed-000 adaptive method (arXiv 2412.04718) as far as its public text describes it: Adam as
 * the base update, a learning rate that adapts to the measured training loss, an exponential
 * decay in the late phase, and gradient clipping. Each knob is a hyper-parameter:
 *
 * <pre>
 *   g   = g min(1, max_grad_norm / (||g|| + 1e-6))        (per tensor; max_grad_norm 0: off)
 *   lr' = lr  scale  decay_gamma^max(0, t - decay_start)
 *   Adam's step (see {@link Adam}, weight decay as L2) with lr' and the clipped g
 * </pre>
 *
 * <p>{@code scale} starts at 1 and follows PyTorch's ReduceLROnPlateau (mode min, relative
 * threshold) on the losses the caller reports with {@link Rule#observeLoss(double)}: a loss below
 * best (1 - threshold) is an improvement; after more than {@code patience} reports without one,
 * scale becomes max(scale factor, min_scale), and the next {@code cooldown} reports do not
 * count. The rule cannot see the loss, so {@link #configure(Map)} returns a {@link Rule} (a
 * {@link LossAware}): the caller reports the monitored loss to every Rule it uses, and saves and
 * restores the controller ({@link LossAware#controllerState()}) beside the per-tensor state (m
 * then v, as Adam). The seed adapts to measured training performance, so the trainer reports
 * each step's training loss after the step's update.
 *
 * <p>The defaults are set for those per-step reports, not for PyTorch's once-an-epoch validation
 * loss (patience 10, threshold 1e-4). A step's loss is one batch's, noisy from batch to batch, and "best" is the lowest of them, a lucky batch: beating it takes either real progress
 * larger than that noise or another lucky batch, and once the curve flattens a record comes
 * about as often as chance alone makes one (after n flat steps, the next is a record with
 * probability 1/(n+1)). Patience 10 would then cut the rate every few dozen steps of a healthy
 * run. Patience 100 asks that a hundred steps bring no new low, which on a curve still falling
 * faster than its noise rarely happens, and on a flat one happens within a few hundred steps.
 * Threshold 0: any new low counts, since a relative margin of 1e-4 (3e-4 nats at loss 3) is far
 * below batch-to-batch noise and only hides real records. The clipping sees one
 * tensor at a time; global-norm clipping across tensors is the caller's, as for every algorithm.
 * The late phase needs the run's length, which the rule does not see: {@code decay_gamma} 1 (the
 * default) leaves it off, and a caller that knows the budget sets {@code decay_start}.
 */
public final class SeedAdaptive implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Adam: decay of the first-moment (mean) estimate."),
                    Hyperparameter.beta2("Adam: decay of the second-moment estimate."),
                    Hyperparameter.eps("Adam: added to the root of the second moment.", 1e-8),
                    new Hyperparameter(
                            "max_grad_norm",
                            "Each tensor's gradient is scaled down to this norm (0: no"
                                    + " clipping).",
                            1.0,
                            0.0,
                            1e6,
                            false),
                    new Hyperparameter(
                            "patience",
                            "Loss reports without improvement tolerated before the learning rate"
                                    + " is cut (a whole number; the trainer reports every step).",
                            100.0,
                            0.0,
                            1e6,
                            false),
                    new Hyperparameter(
                            "factor",
                            "What a cut multiplies the learning-rate scale by.",
                            0.5,
                            0.01,
                            0.99,
                            false),
                    new Hyperparameter(
                            "threshold",
                            "Relative improvement a loss must make over the best to count.",
                            0.0,
                            0.0,
                            0.5,
                            false),
                    new Hyperparameter(
                            "cooldown",
                            "Loss reports ignored after a cut (a whole number).",
                            0.0,
                            0.0,
                            1e6,
                            false),
                    new Hyperparameter(
                            "min_scale",
                            "Floor of the learning-rate scale the cuts reach (keeps a run whose"
                                    + " loss is noisy from cutting its rate to nothing).",
                            0.01,
                            0.0,
                            1.0,
                            false),
                    new Hyperparameter(
                            "decay_start",
                            "Step after which the late phase decays the learning rate.",
                            0.0,
                            0.0,
                            1e12,
                            false),
                    new Hyperparameter(
                            "decay_gamma",
                            "Late phase: the learning rate's factor per step (1: no late decay).",
                            1.0,
                            0.5,
                            1.0,
                            false));

    @Override
    public String name() {
        return "seed-adaptive";
    }

    @Override
    public String displayName() {
        return "Seed-000 adaptive";
    }

    @Override
    public String description() {
        return "Adam with a learning rate cut by a factor when the reported loss stops improving"
                + " (patience, threshold, cooldown), an exponential late-phase decay and"
                + " per-tensor gradient-norm clipping; weight decay as L2 in the gradient.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return HYPERPARAMETERS;
    }

    @Override
    public boolean decoupledWeightDecay() {
        return false;
    }

    @Override
    public int stateFloatsPerParameter() {
        return 2;
    }

    @Override
    public String reference() {
        return "Seed 000, arXiv 2412.04718 (as its public text describes it)";
    }

    @Override
    public Rule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        UpdateRule adam =
                Adam.adam()
                        .configure(
                                Map.of("beta1", values[0], "beta2", values[1], "eps", values[2]));
        return new Rule(
                adam,
                values[3],
                Knobs.count(name(), "patience", values[4]),
                values[5],
                values[6],
                Knobs.count(name(), "cooldown", values[7]),
                values[8],
                values[9],
                values[10]);
    }

    /**
     * The loss-driven controller's state: the best loss reported, reports since it (or since the
     * cooldown ended), reports of cooldown left, and the learning-rate scale.
     */
    public record Plateau(double best, long badReports, long cooldownLeft, double scale) {

        /** Before any report: nothing is best yet, scale 1. */
        public static final Plateau START = new Plateau(Double.POSITIVE_INFINITY, 0, 0, 1.0);
    }

    /** Adam with the controller's learning rate; tell it the loss with {@link #observeLoss}. */
    public static final class Rule implements LossAware {

        private final UpdateRule adam;
        private final float maxGradNorm;
        private final int patience;
        private final double factor;
        private final double threshold;
        private final int cooldown;
        private final double minScale;
        private final double decayStart;
        private final double decayGamma;
        private volatile Plateau plateau = Plateau.START;

        private Rule(
                UpdateRule adam,
                double maxGradNorm,
                int patience,
                double factor,
                double threshold,
                int cooldown,
                double minScale,
                double decayStart,
                double decayGamma) {
            this.adam = adam;
            this.maxGradNorm = (float) maxGradNorm;
            this.patience = patience;
            this.factor = factor;
            this.threshold = threshold;
            this.cooldown = cooldown;
            this.minScale = minScale;
            this.decayStart = decayStart;
            this.decayGamma = decayGamma;
        }

        /** Reports the monitored loss; a NaN counts as no improvement, as in PyTorch. */
        @Override
        public synchronized void observeLoss(double loss) {
            Plateau now = plateau;
            double best = now.best();
            long bad = now.badReports() + 1;
            if (loss < best * (1 - threshold)) {
                best = loss;
                bad = 0;
            }
            long cooldownLeft = now.cooldownLeft();
            if (cooldownLeft > 0) {
                cooldownLeft--;
                bad = 0;
            }
            double scale = now.scale();
            if (bad > patience) {
                scale = Math.max(scale * factor, minScale);
                cooldownLeft = cooldown;
                bad = 0;
            }
            plateau = new Plateau(best, bad, cooldownLeft, scale);
        }

        public Plateau plateau() {
            return plateau;
        }

        /** The plateau's four fields, bit for bit: best and scale as IEEE doubles, then counts. */
        @Override
        public float[] controllerState() {
            Plateau now = plateau;
            return LossAware.pack(
                    Double.doubleToRawLongBits(now.best()),
                    now.badReports(),
                    now.cooldownLeft(),
                    Double.doubleToRawLongBits(now.scale()));
        }

        @Override
        public void restoreController(float[] saved) {
            long[] fields = LossAware.unpack(saved, 4);
            restore(
                    new Plateau(
                            Double.longBitsToDouble(fields[0]),
                            fields[1],
                            fields[2],
                            Double.longBitsToDouble(fields[3])));
        }

        /** Puts back a controller saved with {@link #plateau()}. */
        public synchronized void restore(Plateau saved) {
            plateau = saved;
        }

        /** The factor on the schedule's learning rate at this step: plateau cuts and late decay. */
        public double learningRateScale(long step) {
            double late = step > decayStart ? Math.pow(decayGamma, step - decayStart) : 1.0;
            return plateau.scale() * late;
        }

        @Override
        public void apply(
                float[] parameters,
                float[] gradients,
                int[] shape,
                float[][] state,
                long step,
                double learningRate,
                double weightDecay) {
            float[] clipped = gradients;
            if (maxGradNorm > 0) {
                // torch.nn.utils.clip_grad_norm_ over this tensor, on a copy: the caller's
                // gradients stay as they were.
                float coefficient = maxGradNorm / (Fp32.norm(gradients) + 1e-6f);
                if (coefficient < 1f) {
                    clipped = new float[gradients.length];
                    for (int i = 0; i < clipped.length; i++) {
                        clipped[i] = gradients[i] * coefficient;
                    }
                }
            }
            adam.apply(
                    parameters,
                    clipped,
                    shape,
                    state,
                    step,
                    learningRate * learningRateScale(step),
                    weightDecay);
        }
    }
}
