package io.optimesh.merge.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Checkpoint locations: {@code file://} URIs or plain paths now; other stores come with their own schemes. */
final class CheckpointUris {

    private CheckpointUris() {
    }

    /**
     * The local file {@code location} names: {@code file:///abs/path.safetensors}, or a plain path
     * (relative ones against the service's working directory).
     *
     * @throws IllegalArgumentException saying what is wrong, when it names no local file
     */
    static Path toPath(String location) {
        if (location.isBlank()) {
            throw new IllegalArgumentException("is empty; give a file:// URI or a path");
        }
        URI uri = uriOrNull(location);
        if (uri == null || uri.getScheme() == null) {
            try {
                return Path.of(location).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("'" + location + "' is not a valid path: " + e.getReason(), e);
            }
        }
        if (!uri.getScheme().equalsIgnoreCase("file")) {
            throw new IllegalArgumentException("'" + location + "' has scheme '" + uri.getScheme()
                    + "', but only file:// URIs and plain paths are supported");
        }
        try {
            return Path.of(uri).normalize();
        } catch (IllegalArgumentException e) {
            // Path.of(URI) refuses file URIs with a host, a query or a relative path.
            throw new IllegalArgumentException("'" + location + "' is not a local file URI (" + e.getMessage()
                    + "); use file:///absolute/path or a plain path", e);
        }
    }

    /** The {@code file:///...} URI of a local file. */
    static String toUri(Path path) {
        return path.toAbsolutePath().normalize().toUri().toString();
    }

    private static URI uriOrNull(String location) {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            return null; // Not a URI (a path with spaces, say): read it as a path.
        }
    }
}
