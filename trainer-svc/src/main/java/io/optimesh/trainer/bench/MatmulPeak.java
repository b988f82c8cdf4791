package io.optimesh.trainer.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.optimesh.trainer.model.Torch;

/**
 * The fp32 matrix-multiply rate of this machine as the trainer sees it: PyTorch's matmul of square
 * random matrices through DJL, on the engine's own intra-op thread pool (the one training uses).
 * The best of several timed products counts, as peak figures do.
 */
final class MatmulPeak {

    private MatmulPeak() {}

    /** Best FLOP/s (2n³ per product) over {@code repeats} products at each size, after one untimed product. */
    static double flopsPerSecond(NDManager parent, int[] sizes, int repeats) {
        double best = 0;
        try (Torch.GradModeScope noGrad = Torch.noGrad()) {
            for (int n : sizes) {
                try (NDManager scope = parent.newSubManager()) {
                    NDArray a = scope.randomNormal(0, 1, new Shape(n, n), DataType.FLOAT32);
                    NDArray b = scope.randomNormal(0, 1, new Shape(n, n), DataType.FLOAT32);
                    a.matMul(b).close();
                    for (int r = 0; r < repeats; r++) {
                        long started = System.nanoTime();
                        NDArray c = a.matMul(b);
                        long nanos = System.nanoTime() - started;
                        c.close();
                        best = Math.max(best, 2.0 * n * n * n / (nanos / 1e9));
                    }
                }
            }
        }
        return best;
    }
}
