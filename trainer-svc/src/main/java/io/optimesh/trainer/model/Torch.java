package io.optimesh.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The few PyTorch-engine calls DJL's engine-neutral API does not offer. The trainer runs on the
 * PyTorch engine only, and keeping these in one place makes that dependency explicit.
 */
public final class Torch {

    /** The engine's name in DJL. */
    public static final String ENGINE = "PyTorch";

    static {
        // Loads the native library, which the JNI calls below need.
        Engine.getEngine(ENGINE);
    }

    private Torch() {}

    /** Restores autograd's previous mode on close; PyTorch's grad mode is per thread. */
    public interface GradModeScope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Turns autograd off on this thread until the scope closes: needed for in-place updates of
     * leaf parameters, and saves recording a graph during evaluation.
     */
    public static GradModeScope noGrad() {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(previous);
    }

    /** Zeroes the accumulated gradient of a parameter in place (a no-op before its first backward). */
    public static void zeroGradient(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }

    /** Intra-op threads PyTorch uses on the CPU (set with {@code -Dai.djl.pytorch.num_threads}). */
    public static int cpuThreads() {
        return JniUtils.getNumThreads();
    }

    /** Seeds PyTorch's global generators (CPU and CUDA), which dropout draws from. */
    public static void manualSeed(long seed) {
        JniUtils.setSeed(seed);
    }
}
