package io.optimesh.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class PrecisionTest {

    @Test
    void namesParseCaseInsensitivelyAndUnknownOnesListTheChoices() {
        assertThat(Precision.parse(" BF16 ")).isEqualTo(Precision.BF16);
        assertThat(Precision.parse("fp32")).isEqualTo(Precision.FP32);
        assertThatThrownBy(() -> Precision.parse("fp8")).hasMessageContaining("[fp32, bf16, fp16]");
    }

    @Test
    void onlyFp32TrainsAndTheOthersSayWhyForTheDevice() {
        assertThatCode(() -> Precision.FP32.requireSupported(Device.cpu())).doesNotThrowAnyException();
        assertThatCode(() -> Precision.FP32.requireSupported(Device.gpu(0))).doesNotThrowAnyException();
        assertThatThrownBy(() -> Precision.BF16.requireSupported(Device.cpu()))
                .hasMessageContaining("no bfloat16 arrays").hasMessageContaining("use fp32");
        assertThatThrownBy(() -> Precision.FP16.requireSupported(Device.cpu()))
                .hasMessageContaining("no fp16 matrix units");
        assertThatThrownBy(() -> Precision.FP16.requireSupported(Device.gpu(0)))
                .hasMessageContaining("loss scaling").hasMessageContaining("gpu(0)");
    }
}
