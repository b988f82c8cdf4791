package io.optimesh.core.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor as the header of a safetensors file describes it: {@code begin} and {@code end} are byte
 * offsets relative to the start of the byte buffer, {@code end} exclusive.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        TensorSpec spec = new TensorSpec(name, dtype, shape);
        shape = spec.shape();
        if (begin < 0 || end - begin != spec.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "': offsets [" + begin + ", " + end
                    + "] do not span its " + spec.byteSize() + " bytes");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return Shapes.elementCount(name, shape);
    }

    public long byteSize() {
        return end - begin;
    }

    /** The declaration that writes a tensor of the same name, type and shape. */
    public TensorSpec spec() {
        return new TensorSpec(name, dtype, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo other && name.equals(other.name) && dtype == other.dtype
                && Arrays.equals(shape, other.shape) && begin == other.begin && end == other.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
