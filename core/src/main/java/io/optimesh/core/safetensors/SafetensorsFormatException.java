package io.optimesh.core.safetensors;

import java.io.IOException;

/** A file is not a valid safetensors file; the message says where and what is wrong. */
public class SafetensorsFormatException extends IOException {

    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
