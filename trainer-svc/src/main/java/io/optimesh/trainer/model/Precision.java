package io.optimesh.trainer.model;

import ai.djl.Device;
import java.util.Arrays;
import java.util.Locale;

/**
 * The number format training computes in. Only fp32 trains with DJL 0.35.1's PyTorch engine;
 * {@link #requireSupported(Device)} says why the others do not, before any work starts.
 *
 * <p>What was found (DJL 0.35.1, PyTorch 2.7.1): the engine's JNI maps no DJL data type to
 * {@code torch.bfloat16}, and creating or casting to a bfloat16 array aborts the process
 * ("terminate called without an active exception") instead of throwing; {@code NDArray.toType}
 * returns an array outside the autograd graph (no {@code grad_fn}), so the usual mixed-precision
 * recipe (fp16 casts inside the graph, fp32 master weights) cannot be written on it; and on a CPU
 * without fp16 matrix units PyTorch's fp16 matmul runs 20 to 80 times slower than fp32 (measured
 * on the AVX-512 build machine). fp16 on CUDA would need fp16 leaf copies of the parameters,
 * loss scaling and fp32 master weights, which the training loop does not have.
 */
public enum Precision {
    FP32,
    BF16,
    FP16;

    /** {@code fp32}, {@code bf16} or {@code fp16} (case-insensitive). */
    public static Precision parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown precision '" + name + "', expected one of "
                    + Arrays.stream(values()).map(Precision::id).toList(), e);
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Returns when a run can train in this precision on {@code device}.
     *
     * @throws IllegalArgumentException saying why it cannot
     */
    public void requireSupported(Device device) {
        switch (this) {
            case FP32 -> { }
            case BF16 -> throw new IllegalArgumentException("bf16 cannot train on " + device + ": DJL 0.35.1's PyTorch"
                    + " engine has no bfloat16 arrays (creating one aborts the process); use fp32");
            case FP16 -> throw new IllegalArgumentException("fp16 cannot train on " + device + ": "
                    + (device.isGpu()
                            ? "DJL 0.35.1's casts leave the autograd graph, so mixed precision needs fp16 parameter"
                                    + " copies with loss scaling and fp32 master weights, which this trainer does not"
                                    + " have yet"
                            : "the CPU has no fp16 matrix units for PyTorch (fp16 matmul runs 20-80x slower than fp32)")
                    + "; use fp32");
        }
    }
}
