package io.optimesh.cli;

/** A failure the user can act on: its message says what went wrong and what to do, no stack trace. */
public class MeshException extends RuntimeException {
    public MeshException(String message) {
        super(message);
    }

    public MeshException(String message, Throwable cause) {
        super(message, cause);
    }
}
