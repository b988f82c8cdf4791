package io.optimesh.trainer.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.optimesh.trainer.model.Torch;
import java.util.Locale;

/** Resolves a device name from a run's configuration to a DJL device of the PyTorch engine. */
public final class Devices {

    private Devices() {}

    /**
     * {@code cpu}; {@code gpu} or {@code cuda} (device 0), or {@code gpu:N} / {@code cuda:N};
     * {@code auto}: the first GPU when there is one, else the CPU.
     *
     * @throws IllegalArgumentException for an unknown name, or a GPU that is not there
     */
    public static Device resolve(String name) {
        String normalized = name.trim().toLowerCase(Locale.ROOT);
        if (normalized.equals("cpu")) {
            return Device.cpu();
        }
        int gpus = Engine.getEngine(Torch.ENGINE).getGpuCount();
        if (normalized.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        String[] parts = normalized.split(":", 2);
        if (!parts[0].equals("gpu") && !parts[0].equals("cuda")) {
            throw new IllegalArgumentException("unknown device '" + name + "': expected cpu, gpu, cuda, gpu:N, cuda:N or auto");
        }
        int index;
        try {
            index = parts.length == 1 ? 0 : Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown device '" + name + "': the GPU index must be a number", e);
        }
        if (gpus == 0) {
            throw new IllegalArgumentException("device '" + name + "' requested, but the PyTorch engine sees no GPU"
                    + " (no CUDA device, or the CPU-only PyTorch native library is installed)");
        }
        if (index < 0 || index >= gpus) {
            throw new IllegalArgumentException("device '" + name + "' requested, but only GPUs 0.." + (gpus - 1) + " exist");
        }
        return Device.gpu(index);
    }
}
