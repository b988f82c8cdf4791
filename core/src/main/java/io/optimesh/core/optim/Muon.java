package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * Muon with AdamW for the tensors Muon is not for, in one algorithm, selected by the tensor's
 * shape, in the arithmetic order of Keller Jordan's reference ({@code muon.py}: {@code
 * muon_update} and {@code adam_update} of {@code SingleDeviceMuonWithAuxAdam}).
 *
 * <p>Tensors of two or more dimensions (hidden weight matrices) take the Muon step:
 *
 * <pre>
 *   B = lerp(B, g, 1 - momentum);   u = nesterov ? lerp(g, B, momentum) : B
 *   u = NewtonSchulz5(u) sqrt(max(1, shape[-2] / shape[-1]))
 *   p *= 1 - lr wd;   p -= lr u
 * </pre>
 *
 * where NewtonSchulz5 normalises X = u / (||u||_F + 1e-7) (transposed if it has more rows than
 * columns) and iterates {@code ns_steps} times X = a X + (b A + c A A) X with A = X X^T and the
 * quintic coefficients (a, b, c) = (3.4445, -4.7750, 2.0315), which push every singular value
 * towards 1 (into roughly [0.7, 1.2]). Four-dimensional (convolution) tensors are flattened to
 * [shape[0], rest]; three-dimensional ones are a batch of matrices over the first index. The
 * reference iterates in bfloat16 on GPUs; this runs in fp32 with products accumulated in double.
 *
 * <p>Vectors and scalars (gains, biases) take the AdamW step, at {@code adam_lr_ratio} times the
 * learning rate (the reference's AdamW groups run at 3e-4 against Muon's 0.02):
 *
 * <pre>
 *   m = lerp(m, g, 1 - adam_beta1);   v = lerp(v, g^2, 1 - adam_beta2)
 *   u = (m / (1 - adam_beta1^t)) / (sqrt(v / (1 - adam_beta2^t)) + adam_eps)
 *   p *= 1 - lr_a wd;   p -= lr_a u,   lr_a = adam_lr_ratio lr
 * </pre>
 *
 * <p>Muon is meant for hidden layers only: the embedding and the output head belong on the AdamW
 * path too. The caller puts a matrix there by giving its shape as one dimension, {@code [rows *
 * cols]}, both to {@link #newState(int[])} and to every step. State: one array (the momentum B)
 * for the Muon path, two (m, v) for the AdamW path; {@link #stateFloatsPerParameter()} is the
 * larger. Weight decay is decoupled on both paths.
 */
public final class Muon implements Algorithm {

    static final float A = 3.4445f;
    static final float B = -4.7750f;
    static final float C = 2.0315f;

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    new Hyperparameter(
                            "momentum",
                            "Decay of the momentum buffer that is orthogonalised.",
                            0.95,
                            0.0,
                            0.999,
                            false),
                    new Hyperparameter(
                            "nesterov",
                            "1 to orthogonalise the Nesterov look-ahead lerp(g, B, momentum), 0"
                                    + " the buffer itself.",
                            1.0,
                            0.0,
                            1.0,
                            false),
                    new Hyperparameter(
                            "ns_steps",
                            "Newton-Schulz iterations (a whole number).",
                            5.0,
                            1.0,
                            20.0,
                            false),
                    new Hyperparameter(
                            "adam_beta1",
                            "AdamW path: decay of the first moment.",
                            0.9,
                            0.0,
                            0.999,
                            false),
                    new Hyperparameter(
                            "adam_beta2",
                            "AdamW path: decay of the second moment.",
                            0.95,
                            0.0,
                            0.99999,
                            false),
                    new Hyperparameter(
                            "adam_eps",
                            "AdamW path: added to the bias-corrected root of the second moment.",
                            1e-10,
                            1e-12,
                            1e-3,
                            true),
                    new Hyperparameter(
                            "adam_lr_ratio",
                            "AdamW path: its learning rate as a multiple of the schedule's.",
                            0.015,
                            1e-4,
                            100.0,
                            true));

    @Override
    public String name() {
        return "muon";
    }

    @Override
    public String displayName() {
        return "Muon";
    }

    @Override
    public String description() {
        return "Momentum orthogonalised by a quintic Newton-Schulz iteration for tensors of two or"
                + " more dimensions; AdamW (at adam_lr_ratio times the learning rate) for vectors"
                + " and scalars, and for matrices given as one dimension (embeddings, output"
                + " head); decoupled weight decay.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return HYPERPARAMETERS;
    }

    @Override
    public boolean decoupledWeightDecay() {
        return true;
    }

    /** Two on the AdamW path, one for the matrices Muon steps. */
    @Override
    public int stateFloatsPerParameter() {
        return 2;
    }

    @Override
    public float[][] newState(int[] shape) {
        return Shapes.zeroed(stateLengths(shape));
    }

    private static int[] stateLengths(int[] shape) {
        int size = Math.toIntExact(Shapes.size(shape));
        return shape.length >= 2 ? new int[] {size} : new int[] {size, size};
    }

    @Override
    public String reference() {
        return "Jordan et al. 2024, kellerjordan.github.io/posts/muon";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        float momentum = (float) values[0];
        float oneMinusMomentum = (float) (1 - values[0]);
        boolean nesterov = Knobs.flag(name(), "nesterov", values[1]);
        int nsSteps = Knobs.count(name(), "ns_steps", values[2]);
        double adamBeta1 = values[3];
        double adamBeta2 = values[4];
        float oneMinusAdamBeta1 = (float) (1 - adamBeta1);
        float oneMinusAdamBeta2 = (float) (1 - adamBeta2);
        float adamEps = (float) values[5];
        double adamLrRatio = values[6];
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            if (gradients.length != parameters.length) {
                throw new IllegalArgumentException(
                        gradients.length + " gradients for " + parameters.length + " parameters");
            }
            Shapes.check(shape, parameters.length);
            Shapes.checkState(state, stateLengths(shape));
            if (step < 1) {
                throw new IllegalArgumentException("Muon steps count from 1, got " + step);
            }
            if (shape.length >= 2) {
                float[] buffer = state[0];
                float[] update = new float[parameters.length];
                for (int i = 0; i < update.length; i++) {
                    buffer[i] = Fp32.lerp(buffer[i], gradients[i], oneMinusMomentum);
                    update[i] = nesterov ? Fp32.lerp(gradients[i], buffer[i], momentum) : buffer[i];
                }
                int rows;
                int cols;
                if (shape.length == 4) {
                    rows = shape[0];
                    cols = rows == 0 ? 0 : update.length / rows;
                } else {
                    rows = shape[shape.length - 2];
                    cols = shape[shape.length - 1];
                }
                int matrix = rows * cols;
                for (int start = 0; matrix > 0 && start < update.length; start += matrix) {
                    orthogonalise(update, start, rows, cols, nsSteps);
                }
                float scale =
                        (float)
                                Math.sqrt(
                                        Math.max(
                                                1.0,
                                                shape[shape.length - 2]
                                                        / (double) shape[shape.length - 1]));
                float shrink = (float) (1 - learningRate * weightDecay);
                float minusLr = (float) -learningRate;
                for (int i = 0; i < parameters.length; i++) {
                    parameters[i] *= shrink;
                    parameters[i] += minusLr * (update[i] * scale);
                }
            } else {
                float[] m = state[0];
                float[] v = state[1];
                float biasCorrection1 = (float) (1 - Math.pow(adamBeta1, step));
                float biasCorrection2 = (float) (1 - Math.pow(adamBeta2, step));
                double lr = learningRate * adamLrRatio;
                float shrink = (float) (1 - lr * weightDecay);
                float minusLr = (float) -lr;
                for (int i = 0; i < parameters.length; i++) {
                    float g = gradients[i];
                    m[i] = Fp32.lerp(m[i], g, oneMinusAdamBeta1);
                    v[i] = Fp32.lerp(v[i], g * g, oneMinusAdamBeta2);
                    float u = m[i] / biasCorrection1 / (Fp32.sqrt(v[i] / biasCorrection2) + adamEps);
                    parameters[i] *= shrink;
                    parameters[i] += minusLr * u;
                }
            }
        };
    }

    /**
     * Replaces the rows x cols matrix at {@code start} of {@code g} (row-major) with the result of
     * the quintic Newton-Schulz iteration.
     */
    static void orthogonalise(float[] g, int start, int rows, int cols, int steps) {
        boolean transpose = rows > cols;
        // X is n x k with n <= k: the products X X^T are the small n x n ones.
        int n = transpose ? cols : rows;
        int k = transpose ? rows : cols;
        float[] x = new float[n * k];
        double squares = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                float value = transpose ? g[start + j * cols + i] : g[start + i * cols + j];
                x[i * k + j] = value;
                squares += (double) value * value;
            }
        }
        float norm = (float) Math.sqrt(squares) + 1e-7f;
        for (int i = 0; i < x.length; i++) {
            x[i] /= norm;
        }
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        float[] next = new float[n * k];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int l = 0; l < k; l++) {
                        dot += (double) x[i * k + l] * x[j * k + l];
                    }
                    a[i * n + j] = (float) dot;
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int l = 0; l < n; l++) {
                        dot += (double) a[i * n + l] * a[l * n + j];
                    }
                    b[i * n + j] = B * a[i * n + j] + C * (float) dot;
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    double dot = 0;
                    for (int l = 0; l < n; l++) {
                        dot += (double) b[i * n + l] * x[l * k + j];
                    }
                    next[i * k + j] = A * x[i * k + j] + (float) dot;
                }
            }
            float[] swap = x;
            x = next;
            next = swap;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                if (transpose) {
                    g[start + j * cols + i] = x[i * k + j];
                } else {
                    g[start + i * cols + j] = x[i * k + j];
                }
            }
        }
    }
}
