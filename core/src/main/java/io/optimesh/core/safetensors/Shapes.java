package io.optimesh.core.safetensors;

import java.util.Arrays;

/** Shape arithmetic shared by the tensor records; overflow is an error, never a wrapped count. */
final class Shapes {

    private Shapes() {
    }

    static long[] checked(String name, long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("tensor '" + name + "': shape is null");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            }
        }
        return shape.clone();
    }

    /** Product of the dimensions; 1 for a scalar (shape []). */
    static long elementCount(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "': element count of shape " + Arrays.toString(shape) + " overflows a long");
            }
        }
        return n;
    }

    static long byteSize(String name, long[] shape, DType dtype) {
        try {
            return Math.multiplyExact(elementCount(name, shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "': byte size of shape " + Arrays.toString(shape) + " overflows a long");
        }
    }
}
