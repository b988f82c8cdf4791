package io.optimesh.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A whole tensor in memory, for {@link SafetensorsWriter#write(java.nio.file.Path, java.util.List,
 * java.util.Map)}. {@code data} holds exactly the tensor's little-endian bytes between its position and
 * limit; the accessor returns a fresh read-only view so reading it never moves anyone else's position.
 */
public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {

    public Tensor {
        TensorSpec spec = new TensorSpec(name, dtype, shape);
        shape = spec.shape();
        Objects.requireNonNull(data, () -> "tensor '" + name + "': data is null");
        if (data.remaining() != spec.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + Arrays.toString(shape)
                    + " needs " + spec.byteSize() + " bytes but data has " + data.remaining());
        }
        data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** An F32 tensor holding {@code values} in row-major order. */
    public static Tensor f32(String name, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return new Tensor(name, DType.F32, shape, buf);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public TensorSpec spec() {
        return new TensorSpec(name, dtype, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor other && name.equals(other.name) && dtype == other.dtype
                && Arrays.equals(shape, other.shape) && data.equals(other.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
