package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * Adafactor with the learning rate given from outside (relative_step off), in the arithmetic order
 * of Hugging Face transformers' {@code Adafactor}:
 *
 * <pre>
 *   alpha    = lr                       (scale_parameter 1: lr max(eps2, RMS(p)))
 *   beta2_t  = 1 - t^decay_rate         (0 at t = 1, so the first estimate is the gradient itself)
 *   u        = g^2 + eps1
 *   matrix:  R = beta2_t R + (1 - beta2_t) mean_cols(u)      C = beta2_t C + (1 - beta2_t) mean_rows(u)
 *            u = rsqrt(R / mean(R)) rsqrt(C) g                 (the rank-1 estimate of v^-1/2)
 *   vector:  v = beta2_t v + (1 - beta2_t) u,  u = rsqrt(v) g
 *   u       /= max(1, RMS(u) / clip_threshold)                (update clipping, d)
 *   p       += (-wd alpha) p;  p -= alpha u
 * </pre>
 *
 * <p>State, from {@link #newState(int[])}: a tensor of two or more dimensions [..., rows, cols]
 * keeps the factored second moment, {@code state[0]} the row statistics (shape[:-1], one float per
 * row of each leading index) and {@code state[1]} the column statistics (shape[:-2] + shape[-1:]),
 * so a matrix costs rows + cols floats, not rows x cols; a vector or scalar keeps the full {@code
 * v} in {@code state[0]}. {@link #stateFloatsPerParameter()} is 1, the vectors' figure and an
 * upper bound for matrices. There is no first moment (transformers' default beta1 = None, the
 * paper's recommended setting): the decay schedule of beta2 and the update clipping are what
 * keep it stable. Weight decay is decoupled and scaled by alpha. Means and norms accumulate in
 * double (see {@link Fp32}).
 */
public final class Adafactor implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    new Hyperparameter(
                            "eps1",
                            "Added to the squared gradient before it is averaged (keeps rsqrt"
                                    + " finite).",
                            1e-30,
                            1e-37,
                            1e-3,
                            true),
                    new Hyperparameter(
                            "eps2",
                            "Floor of the parameter RMS when scale_parameter is 1.",
                            1e-3,
                            1e-8,
                            1e-1,
                            true),
                    new Hyperparameter(
                            "clip_threshold",
                            "d: the update is scaled down until its RMS is at most d.",
                            1.0,
                            0.01,
                            100.0,
                            true),
                    new Hyperparameter(
                            "decay_rate",
                            "Exponent c of the second-moment decay beta2_t = 1 - t^c (the paper's"
                                    + " -0.8).",
                            -0.8,
                            -1.0,
                            -0.1,
                            false),
                    new Hyperparameter(
                            "scale_parameter",
                            "1 to scale the step by the parameter's RMS (relative step sizes), 0"
                                    + " to use the learning rate as it is (transformers' advice"
                                    + " when the schedule is external).",
                            0.0,
                            0.0,
                            1.0,
                            false));

    @Override
    public String name() {
        return "adafactor";
    }

    @Override
    public String displayName() {
        return "Adafactor";
    }

    @Override
    public String description() {
        return "Adaptive steps from a factored second moment (row and column statistics per"
                   + " matrix, the full moment for vectors), beta2 rising as 1 - t^-0.8 and the"
                   + " update clipped to RMS d; no first moment; decoupled weight decay.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return HYPERPARAMETERS;
    }

    @Override
    public boolean decoupledWeightDecay() {
        return true;
    }

    @Override
    public int stateFloatsPerParameter() {
        return 1;
    }

    @Override
    public float[][] newState(int[] shape) {
        return Shapes.zeroed(stateLengths(shape));
    }

    /** Row and column statistics for two or more dimensions, the full moment otherwise. */
    private static int[] stateLengths(int[] shape) {
        long size = Shapes.size(shape);
        if (shape.length < 2) {
            return new int[] {Math.toIntExact(size)};
        }
        int cols = shape[shape.length - 1];
        int rows = shape[shape.length - 2];
        long batches = rows == 0 || cols == 0 ? 0 : size / ((long) rows * cols);
        return new int[] {Math.toIntExact(batches * rows), Math.toIntExact(batches * cols)};
    }

    @Override
    public String reference() {
        return "Shazeer & Stern 2018, arXiv 1804.04235";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        float eps1 = (float) values[0];
        double eps2 = values[1];
        float clipThreshold = (float) values[2];
        double decayRate = values[3];
        boolean scaleParameter = Knobs.flag(name(), "scale_parameter", values[4]);
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            if (gradients.length != parameters.length) {
                throw new IllegalArgumentException(
                        gradients.length + " gradients for " + parameters.length + " parameters");
            }
            Shapes.check(shape, parameters.length);
            Shapes.checkState(state, stateLengths(shape));
            if (step < 1) {
                throw new IllegalArgumentException("Adafactor steps count from 1, got " + step);
            }
            if (parameters.length == 0) {
                return;
            }
            double alpha = learningRate;
            if (scaleParameter) {
                alpha *= Math.max(eps2, rms(parameters));
            }
            double beta2t = 1 - Math.pow(step, decayRate);
            float beta2 = (float) beta2t;
            float oneMinusBeta2 = (float) (1 - beta2t);
            float[] update = new float[parameters.length];
            for (int i = 0; i < update.length; i++) {
                update[i] = gradients[i] * gradients[i] + eps1;
            }
            if (shape.length >= 2) {
                factored(update, gradients, shape, state[0], state[1], beta2, oneMinusBeta2);
            } else {
                float[] v = state[0];
                for (int i = 0; i < update.length; i++) {
                    v[i] = v[i] * beta2 + oneMinusBeta2 * update[i];
                    update[i] = Fp32.rsqrt(v[i]) * gradients[i];
                }
            }
            float clip = Math.max(rms(update) / clipThreshold, 1f);
            float alphaF = (float) alpha;
            float decay = (float) (-weightDecay * alpha);
            for (int i = 0; i < parameters.length; i++) {
                float u = update[i] / clip * alphaF;
                if (weightDecay != 0) {
                    parameters[i] += decay * parameters[i];
                }
                parameters[i] += -u;
            }
        };
    }

    /**
     * Updates the row and column statistics from the squared gradients in {@code update} and
     * replaces it with the factored step rsqrt(R / mean(R)) rsqrt(C) g.
     */
    private static void factored(
            float[] update,
            float[] gradients,
            int[] shape,
            float[] rowStats,
            float[] colStats,
            float beta2,
            float oneMinusBeta2) {
        int cols = shape[shape.length - 1];
        int rows = shape[shape.length - 2];
        int batches = rowStats.length / rows;
        for (int b = 0; b < batches; b++) {
            int base = b * rows * cols;
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum += update[base + r * cols + c];
                }
                int k = b * rows + r;
                rowStats[k] = rowStats[k] * beta2 + oneMinusBeta2 * (float) (sum / cols);
            }
            for (int c = 0; c < cols; c++) {
                double sum = 0;
                for (int r = 0; r < rows; r++) {
                    sum += update[base + r * cols + c];
                }
                int k = b * cols + c;
                colStats[k] = colStats[k] * beta2 + oneMinusBeta2 * (float) (sum / rows);
            }
            double rowSum = 0;
            for (int r = 0; r < rows; r++) {
                rowSum += rowStats[b * rows + r];
            }
            float rowMean = (float) (rowSum / rows);
            for (int r = 0; r < rows; r++) {
                float rowFactor = Fp32.rsqrt(rowStats[b * rows + r] / rowMean);
                for (int c = 0; c < cols; c++) {
                    int i = base + r * cols + c;
                    update[i] = rowFactor * Fp32.rsqrt(colStats[b * cols + c]) * gradients[i];
                }
            }
        }
    }

    /** transformers' _rms: ||x|| / sqrt(numel), in fp32. */
    private static float rms(float[] x) {
        return Fp32.norm(x) / (float) Math.sqrt(x.length);
    }
}
