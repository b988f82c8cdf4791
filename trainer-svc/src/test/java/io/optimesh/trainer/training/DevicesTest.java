package io.optimesh.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.optimesh.trainer.model.Torch;
import org.junit.jupiter.api.Test;

class DevicesTest {

    private final int gpus = Engine.getEngine(Torch.ENGINE).getGpuCount();

    @Test
    void cpuAndAutoResolve() {
        assertThat(Devices.resolve("CPU")).isEqualTo(Device.cpu());
        assertThat(Devices.resolve("auto")).isEqualTo(gpus > 0 ? Device.gpu(0) : Device.cpu());
    }

    @Test
    void aMissingGpuIsAClearError() {
        if (gpus == 0) {
            assertThatThrownBy(() -> Devices.resolve("gpu"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sees no GPU");
            assertThatThrownBy(() -> Devices.resolve("cuda:0")).hasMessageContaining("sees no GPU");
        } else {
            assertThat(Devices.resolve("cuda")).isEqualTo(Device.gpu(0));
            assertThatThrownBy(() -> Devices.resolve("gpu:" + gpus)).hasMessageContaining("only GPUs 0..");
        }
    }

    @Test
    void unknownNamesAreRefused() {
        assertThatThrownBy(() -> Devices.resolve("tpu")).hasMessageContaining("unknown device 'tpu'");
        assertThatThrownBy(() -> Devices.resolve("gpu:x")).hasMessageContaining("must be a number");
    }
}
