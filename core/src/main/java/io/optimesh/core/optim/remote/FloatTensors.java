package io.optimesh.core.optim.remote;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.optimesh.v1.Tensor;
import io.optimesh.v1.TensorDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** fp32 arrays to and from {@code optimesh.v1.Tensor} (F32, little-endian, row-major). */
public final class FloatTensors {

    private FloatTensors() {}

    /** An F32 tensor holding {@code values}. */
    public static Tensor encode(String name, int[] shape, float[] values) {
        Tensor.Builder tensor = Tensor.newBuilder().setName(name).setDtype(TensorDType.TENSOR_D_TYPE_F32);
        for (int dimension : shape) {
            tensor.addShape(dimension);
        }
        return tensor.setData(bytes(values)).build();
    }

    /** The little-endian bytes of {@code values}, without a second copy. */
    public static ByteString bytes(float[] values) {
        byte[] bytes = new byte[Math.multiplyExact(values.length, Float.BYTES)];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    /** Copies the values of an F32 tensor into {@code destination}, which must be exactly its size. */
    public static void decodeInto(Tensor tensor, float[] destination) {
        if (tensor.getDtype() != TensorDType.TENSOR_D_TYPE_F32) {
            throw new IllegalArgumentException(
                    "tensor '" + tensor.getName() + "' is " + tensor.getDtype() + ", not F32");
        }
        if (tensor.getData().size() != (long) destination.length * Float.BYTES) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + tensor.getName()
                            + "' has "
                            + tensor.getData().size()
                            + " bytes, expected "
                            + (long) destination.length * Float.BYTES);
        }
        tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(destination);
    }

    /** The values of an F32 tensor. */
    public static float[] decode(Tensor tensor) {
        float[] values = new float[Math.toIntExact(tensor.getData().size() / Float.BYTES)];
        decodeInto(tensor, values);
        return values;
    }
}
