package io.optimesh.core.safetensors;

import java.util.Arrays;
import java.util.Objects;

/** A tensor declared to {@link SafetensorsWriter} before its data is written. */
public record TensorSpec(String name, DType dtype, long[] shape) {

    public TensorSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must be non-empty");
        }
        Objects.requireNonNull(dtype, () -> "tensor '" + name + "': dtype is null");
        shape = Shapes.checked(name, shape);
        Shapes.byteSize(name, shape, dtype);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return Shapes.elementCount(name, shape);
    }

    public long byteSize() {
        return Shapes.byteSize(name, shape, dtype);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec other
                && name.equals(other.name) && dtype == other.dtype && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
