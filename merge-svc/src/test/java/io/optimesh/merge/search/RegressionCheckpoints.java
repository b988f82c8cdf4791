package io.optimesh.merge.search;

import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small linear-regression "model" to merge and evaluate for real: checkpoints hold {@code w} (8 weights)
 * and {@code b} as F32 safetensors, and the held-out loss of a checkpoint file is its mean squared error on
 * 64 fixed samples. Two checkpoints straddle the true model, so the best merge lies strictly between them.
 */
public final class RegressionCheckpoints {

    static final int FEATURES = 8;
    static final int SAMPLES = 64;

    private final double[][] x = new double[SAMPLES][FEATURES];
    private final double[] y = new double[SAMPLES];
    private final float[][] w = new float[2][FEATURES];
    private final float[] b = new float[2];

    public RegressionCheckpoints() {
        SplittableRandom random = new SplittableRandom(42);
        double[] truth = new double[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            truth[j] = random.nextGaussian();
        }
        for (int i = 0; i < SAMPLES; i++) {
            double s = 0.5;
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = random.nextGaussian();
                s += x[i][j] * truth[j];
            }
            y[i] = s + 0.1 * random.nextGaussian();
        }
        // The older checkpoint overshoots along one direction, the newer falls short along it and is noisier.
        for (int j = 0; j < FEATURES; j++) {
            double direction = random.nextGaussian();
            w[0][j] = (float) (truth[j] + 0.8 * direction);
            w[1][j] = (float) (truth[j] - 0.3 * direction + 0.05 * random.nextGaussian());
        }
        b[0] = 0.9f;
        b[1] = 0.4f;
    }

    /** Writes the older (index 0) and newer (1) checkpoint into {@code dir}. */
    public List<Path> write(Path dir) throws IOException {
        Path older = dir.resolve("step-000100.safetensors");
        Path newer = dir.resolve("step-000200.safetensors");
        for (int k = 0; k < 2; k++) {
            SafetensorsWriter.write(k == 0 ? older : newer, List.of(
                    Tensor.f32("w", new long[] {FEATURES}, w[k]),
                    Tensor.f32("b", new long[] {1}, new float[] {b[k]})), Map.of("format", "pt"));
        }
        return List.of(older, newer);
    }

    /** Mean squared error on the held-out samples of the model stored in {@code checkpoint}. */
    public double loss(Path checkpoint) {
        try (SafetensorsFile file = SafetensorsFile.open(checkpoint)) {
            float[] weights = file.readFloats("w");
            float bias = file.readFloats("b")[0];
            double sum = 0;
            for (int i = 0; i < SAMPLES; i++) {
                double r = bias - y[i];
                for (int j = 0; j < FEATURES; j++) {
                    r += x[i][j] * weights[j];
                }
                sum += r * r;
            }
            return sum / SAMPLES;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The exact minimiser over lambda of the loss of {@code (1 - lambda) older + lambda newer}, unclamped. */
    public double bestLambda() {
        double rd = 0;
        double dd = 0;
        for (int i = 0; i < SAMPLES; i++) {
            double r0 = b[0] - y[i];
            double d = b[1] - b[0];
            for (int j = 0; j < FEATURES; j++) {
                r0 += x[i][j] * w[0][j];
                d += x[i][j] * (w[1][j] - w[0][j]);
            }
            rd += r0 * d;
            dd += d * d;
        }
        return -rd / dd;
    }
}
