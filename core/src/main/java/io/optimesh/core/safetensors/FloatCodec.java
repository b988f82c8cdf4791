package io.optimesh.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Conversions between Java floating-point values and the F16/BF16/F32/F64 encodings of the format,
 * all rounding to nearest with ties to even, as PyTorch does.
 */
final class FloatCodec {

    /** Floats widened or narrowed per bulk copy: small enough to stay in L1, large enough to amortise the copy. */
    private static final int WIDEN_BLOCK = 2048;

    private FloatCodec() {
    }

    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24, exact in float.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            // Infinity stays infinite; NaN stays a (quiet) NaN keeping its top payload bits.
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            int full = mant | 0x800000;
            int shift = 14 - e;
            int m = full >>> shift;
            int rem = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (m & 1) != 0)) {
                m++; // may carry into the smallest normal, which is the right answer
            }
            return (short) (sign | m);
        }
        int h = sign | (e << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
            h++; // a carry into the exponent is correct, up to infinity
        }
        return (short) h;
    }

    static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * Rounds to float with round-to-odd. A value rounded this way and then to a format with at least
     * two fewer significand bits (F16, BF16) is rounded exactly once, which plain double-to-float
     * rounding followed by float-to-half would not guarantee.
     */
    static float toFloatRoundToOdd(double d) {
        float f = (float) d;
        if (Double.isNaN(d) || (double) f == d || (Float.floatToRawIntBits(f) & 1) != 0) {
            return f;
        }
        return Math.nextAfter(f, d);
    }

    static void decode(DType dtype, ByteBuffer src, float[] dst, int off, int count) {
        switch (dtype) {
            case F32 -> src.asFloatBuffer().get(dst, off, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[off + i] = halfToFloat(src.getShort(src.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[off + i] = bf16ToFloat(src.getShort(src.position() + 2 * i));
                }
            }
            default -> throw new IllegalArgumentException("cannot read " + dtype + " as float without loss");
        }
    }

    static void decode(DType dtype, ByteBuffer src, double[] dst, int off, int count) {
        switch (dtype) {
            case F64 -> src.asDoubleBuffer().get(dst, off, count);
            case F32 -> {
                FloatBuffer floats = src.asFloatBuffer();
                float[] block = new float[Math.min(count, WIDEN_BLOCK)];
                for (int done = 0; done < count; done += block.length) {
                    int n = Math.min(block.length, count - done);
                    floats.get(block, 0, n);
                    for (int i = 0; i < n; i++) {
                        dst[off + done + i] = block[i];
                    }
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[off + i] = halfToFloat(src.getShort(src.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[off + i] = bf16ToFloat(src.getShort(src.position() + 2 * i));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point type");
        }
    }

    /** Appends {@code count} values encoded as {@code dtype} at {@code dst}'s position. */
    static void encode(DType dtype, float[] src, int off, int count, ByteBuffer dst) {
        switch (dtype) {
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst.putDouble(src[off + i]);
                }
            }
            case F32 -> {
                dst.asFloatBuffer().put(src, off, count);
                dst.position(dst.position() + count * Float.BYTES);
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.putShort(floatToHalf(src[off + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.putShort(floatToBf16(src[off + i]));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point type");
        }
    }

    static void encode(DType dtype, double[] src, int off, int count, ByteBuffer dst) {
        switch (dtype) {
            case F64 -> {
                dst.asDoubleBuffer().put(src, off, count);
                dst.position(dst.position() + count * Double.BYTES);
            }
            case F32 -> {
                FloatBuffer floats = dst.asFloatBuffer();
                float[] block = new float[Math.min(count, WIDEN_BLOCK)];
                for (int done = 0; done < count; done += block.length) {
                    int n = Math.min(block.length, count - done);
                    for (int i = 0; i < n; i++) {
                        block[i] = (float) src[off + done + i];
                    }
                    floats.put(block, 0, n);
                }
                dst.position(dst.position() + count * Float.BYTES);
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.putShort(floatToHalf(toFloatRoundToOdd(src[off + i])));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.putShort(floatToBf16(toFloatRoundToOdd(src[off + i])));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point type");
        }
    }
}
