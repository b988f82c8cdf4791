package io.optimesh.merge.method;

/** Told by {@link CheckpointMerger} each time a tensor of the output is complete. */
@FunctionalInterface
public interface MergeProgressListener {

    MergeProgressListener NONE = (tensor, done, total, bytesWritten) -> { };

    /**
     * @param tensor       the tensor just written
     * @param done         tensors written so far, {@code 1..total}
     * @param total        tensors in the output
     * @param bytesWritten tensor data bytes written so far (the header not counted)
     */
    void tensorWritten(String tensor, int done, int total, long bytesWritten);
}
