package io.optimesh.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
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

    /**
     * {@code x·factor}, safe to differentiate. DJL's Number overloads ({@code x.mul(0.5)}) wrap the
     * number in a tensor over a Java direct buffer and close it as soon as the operation returns,
     * while autograd keeps that tensor for the backward pass: once the garbage collector has freed
     * the buffer, the backward reads whatever the memory holds by then. Here the factor is a tensor
     * PyTorch allocates itself, which the graph keeps alive for as long as it needs it.
     */
    public static NDArray scale(NDArray x, double factor) {
        try (NDArray scalar = x.getManager().full(new Shape(), (float) factor, x.getDataType())) {
            return x.mul(scalar);
        }
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
