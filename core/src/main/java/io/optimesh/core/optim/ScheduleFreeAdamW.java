package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * Schedule-Free AdamW, in the arithmetic order of the authors' reference implementation
 * ({@code AdamWScheduleFreeReference}), which keeps both sequences it averages:
 *
 * <pre>
 *   gamma   = lr sqrt(1 - beta2^t)                    (the schedule's lr: warmup, then constant)
 *   lr_max  = max(lr_max, gamma);  w = t^r lr_max^weight_lr_power;  W += w;  c = w / W
 *   z      -= gamma wd y             (wd at z instead of y when decay_at_z is 1)
 *   v       = beta2 v + (1 - beta2) g^2
 *   z      -= gamma g / (sqrt(v) + eps)                 (the base AdamW iterate)
 *   x       = (1 - c) x + c z                           (the weighted average: what to evaluate)
 *   y       = beta1 x + (1 - beta1) z                   (where the next gradient is taken)
 * </pre>
 *
 * <p><b>The trained parameters are y</b>: {@code apply} reads the gradient at the parameters it is
 * given and leaves y in them. <b>The evaluation point is x</b>, the average: validate, checkpoint
 * for inference and publish x, read from the state with {@link #evaluationPoint(float[][])}.
 * Both start at the parameters on the first step.
 *
 * <p>State, from {@link #newState(int[])}: {@code state[Z]}, {@code state[X]}, {@code state[V]}
 * of the tensor's size, and {@code state[SCALARS]}, five floats: whether the state has started
 * (0 or 1), then lr_max and the weight sum W as pairs of floats (high part, then the rounding
 * remainder), because the reference keeps these in double. In the reference they belong to the
 * parameter group; each tensor keeps its own copy, the same as long as every tensor of the group
 * is stepped every step. Warmup comes from the learning-rate schedule (the reference's
 * warmup_steps is a linear warmup of lr), and no decay is needed after it.
 */
public final class ScheduleFreeAdamW implements Algorithm {

    /** Index of z, the base (AdamW) sequence, in the state. */
    public static final int Z = 0;

    /** Index of x, the averaged sequence (the evaluation point), in the state. */
    public static final int X = 1;

    /** Index of v, the second moment, in the state. */
    public static final int V = 2;

    /** Index of the five per-tensor scalars (started flag, lr_max, weight sum) in the state. */
    public static final int SCALARS = 3;

    private static final int SCALAR_COUNT = 5;

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Interpolation between the average x and the base iterate z where"
                                    + " the gradient is taken (y = beta1 x + (1 - beta1) z)."),
                    Hyperparameter.beta2("Decay of the second-moment estimate."),
                    Hyperparameter.eps("Added to the root of the second moment to bound the step.", 1e-8),
                    new Hyperparameter(
                            "r",
                            "Power of t in the averaging weights (0: weights follow the learning"
                                    + " rate only).",
                            0.0,
                            0.0,
                            10.0,
                            false),
                    new Hyperparameter(
                            "weight_lr_power",
                            "Power of the largest learning rate so far in the averaging weights"
                                    + " (warmup steps count less).",
                            2.0,
                            0.0,
                            10.0,
                            false),
                    new Hyperparameter(
                            "decay_at_z",
                            "1 to compute the weight decay at z, 0 at y.",
                            0.0,
                            0.0,
                            1.0,
                            false));

    @Override
    public String name() {
        return "schedule-free-adamw";
    }

    @Override
    public String displayName() {
        return "Schedule-Free AdamW";
    }

    @Override
    public String description() {
        return "AdamW steps on a base sequence z, evaluated at x, the learning-rate-weighted"
                + " average of z, with gradients taken at y = beta1 x + (1 - beta1) z: the"
                + " parameters trained are y, the point to evaluate is x (state[1]). Needs no"
                + " decay schedule after warmup; decoupled weight decay.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return HYPERPARAMETERS;
    }

    @Override
    public boolean decoupledWeightDecay() {
        return true;
    }

    /** z, x and v; plus five floats per tensor. */
    @Override
    public int stateFloatsPerParameter() {
        return 3;
    }

    @Override
    public float[][] newState(int[] shape) {
        return Shapes.zeroed(stateLengths(shape));
    }

    private static int[] stateLengths(int[] shape) {
        int size = Math.toIntExact(Shapes.size(shape));
        return new int[] {size, size, size, SCALAR_COUNT};
    }

    /**
     * The evaluation point x of a tensor's state (the array itself, which the next step
     * overwrites: copy it to keep it).
     */
    public static float[] evaluationPoint(float[][] state) {
        return state[X];
    }

    @Override
    public String reference() {
        return "Defazio et al. 2024, arXiv 2405.15682";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        float beta1 = (float) values[0];
        float oneMinusBeta1 = (float) (1 - values[0]);
        double beta2 = values[1];
        float beta2f = (float) beta2;
        float oneMinusBeta2 = (float) (1 - beta2);
        float eps = (float) values[2];
        double r = values[3];
        double weightLrPower = values[4];
        boolean decayAtZ = Knobs.flag(name(), "decay_at_z", values[5]);
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            if (gradients.length != parameters.length) {
                throw new IllegalArgumentException(
                        gradients.length + " gradients for " + parameters.length + " parameters");
            }
            Shapes.check(shape, parameters.length);
            Shapes.checkState(state, stateLengths(shape));
            if (step < 1) {
                throw new IllegalArgumentException(
                        "Schedule-Free AdamW steps count from 1, got " + step);
            }
            float[] y = parameters;
            float[] z = state[Z];
            float[] x = state[X];
            float[] v = state[V];
            float[] scalars = state[SCALARS];
            if (scalars[0] == 0) {
                System.arraycopy(y, 0, z, 0, y.length);
                System.arraycopy(y, 0, x, 0, y.length);
                scalars[0] = 1;
                store(scalars, 1, -1.0);
                store(scalars, 3, 0.0);
            }
            double lr = learningRate * Math.sqrt(1 - Math.pow(beta2, step));
            double lrMax = Math.max(lr, load(scalars, 1));
            double weight = Math.pow(step, r) * Math.pow(lrMax, weightLrPower);
            double weightSum = load(scalars, 3) + weight;
            store(scalars, 1, lrMax);
            store(scalars, 3, weightSum);
            double ckp1 = weightSum == 0 ? 0 : weight / weightSum;
            float decay = (float) (lr * weightDecay);
            float minusLr = (float) -lr;
            float keep = (float) (1 - ckp1);
            float take = (float) ckp1;
            for (int i = 0; i < y.length; i++) {
                if (weightDecay != 0) {
                    z[i] -= decay * (decayAtZ ? z[i] : y[i]);
                }
                float g = gradients[i];
                v[i] = v[i] * beta2f + oneMinusBeta2 * g * g;
                float denominator = Fp32.sqrt(v[i]) + eps;
                z[i] += minusLr * g / denominator;
                x[i] = x[i] * keep + take * z[i];
                y[i] = x[i] * beta1 + oneMinusBeta1 * z[i];
            }
        };
    }

    /** A double kept as two floats: the rounded value and the remainder. */
    private static void store(float[] scalars, int at, double value) {
        float high = (float) value;
        scalars[at] = high;
        scalars[at + 1] = (float) (value - high);
    }

    private static double load(float[] scalars, int at) {
        return (double) scalars[at] + scalars[at + 1];
    }
}
