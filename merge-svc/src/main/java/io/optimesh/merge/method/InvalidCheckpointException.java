package io.optimesh.merge.method;

import io.optimesh.core.safetensors.SafetensorsFormatException;
import java.nio.file.Path;

/** One of a merge's inputs is not a valid safetensors file (truncated, bad header, overlapping offsets...). */
public class InvalidCheckpointException extends SafetensorsFormatException {

    private final int input;
    private final transient Path path;

    public InvalidCheckpointException(int input, Path path, SafetensorsFormatException cause) {
        super(cause.getMessage(), cause);
        this.input = input;
        this.path = path;
    }

    /** The position of the file among the merge's inputs. */
    public int input() {
        return input;
    }

    public Path path() {
        return path;
    }
}
