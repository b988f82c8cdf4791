package io.optimesh.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FloatCodecTest {

    @Test
    void everyHalfSurvivesARoundTripThroughFloat() {
        for (int bits = 0; bits <= 0xFFFF; bits++) {
            float f = FloatCodec.halfToFloat((short) bits);
            if (Float.isNaN(f)) {
                assertThat(FloatCodec.halfToFloat(FloatCodec.floatToHalf(f))).isNaN();
            } else {
                assertThat(FloatCodec.floatToHalf(f) & 0xFFFF).as("half 0x%04x", bits).isEqualTo(bits);
            }
        }
    }

    @Test
    void everyBf16SurvivesARoundTripThroughFloat() {
        for (int bits = 0; bits <= 0xFFFF; bits++) {
            float f = FloatCodec.bf16ToFloat((short) bits);
            if (Float.isNaN(f)) {
                assertThat(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(f))).isNaN();
            } else {
                assertThat(FloatCodec.floatToBf16(f) & 0xFFFF).as("bf16 0x%04x", bits).isEqualTo(bits);
            }
        }
    }

    @Test
    void halfDecodesKnownValues() {
        assertThat(FloatCodec.halfToFloat((short) 0x3C00)).isEqualTo(1f);
        assertThat(FloatCodec.halfToFloat((short) 0xC000)).isEqualTo(-2f);
        assertThat(FloatCodec.halfToFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(FloatCodec.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(FloatCodec.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(FloatCodec.halfToFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(FloatCodec.halfToFloat((short) 0x3555)).isEqualTo(0.33325195f);
    }

    @Test
    void halfRoundsToNearestEven() {
        // Between 1 (0x3C00) and 1 + 2^-10 (0x3C01).
        assertThat(FloatCodec.floatToHalf(1 + 0x1p-11f)).isEqualTo((short) 0x3C00); // tie, to even
        assertThat(FloatCodec.floatToHalf(1 + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3C01);
        assertThat(FloatCodec.floatToHalf(1 + 0x1p-10f + 0x1p-11f)).isEqualTo((short) 0x3C02); // tie, to even
        assertThat(FloatCodec.floatToHalf(65520f)).isEqualTo((short) 0x7C00); // rounds up to infinity
        assertThat(FloatCodec.floatToHalf(65519.99f)).isEqualTo((short) 0x7BFF);
        assertThat(FloatCodec.floatToHalf(1e-8f)).isEqualTo((short) 0);
        assertThat(FloatCodec.floatToHalf(-0x1p-25f)).isEqualTo((short) 0x8000); // tie with zero, to even
        assertThat(FloatCodec.floatToHalf(0x1.8p-25f)).isEqualTo((short) 0x0001);
        assertThat(FloatCodec.floatToHalf(0x1.ffcp-15f)).isEqualTo((short) 0x0400); // carries into the normals
        assertThat(FloatCodec.floatToHalf(1f / 3)).isEqualTo((short) 0x3555);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(FloatCodec.floatToBf16(1 + 0x1p-8f)).isEqualTo((short) 0x3F80); // tie, to even
        assertThat(FloatCodec.floatToBf16(1 + 0x1p-7f + 0x1p-8f)).isEqualTo((short) 0x3F82); // tie, to even
        assertThat(FloatCodec.floatToBf16(1 + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3F81);
        assertThat(FloatCodec.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
        assertThat(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(Float.NaN))).isNaN();
    }
}
