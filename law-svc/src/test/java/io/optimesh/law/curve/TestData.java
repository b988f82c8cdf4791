package io.optimesh.law.curve;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shared MPL paper curves are: the system property {@code optimesh.mpl-curves} if set,
 * else {@code shared/data/mpl-curves} beside the repository root (a clone has {@code shared/} next to
 * it), else beside one of the root's ancestors (a git worktree nested one level deeper).
 */
public final class TestData {

    public static final String MPL_CURVES = System.getProperty("optimesh.mpl-curves") != null
            ? System.getProperty("optimesh.mpl-curves") : locate().toString();

    private TestData() {
    }

    private static Path locate() {
        Path root = repositoryRoot();
        Path relative = Path.of("shared", "data", "mpl-curves");
        for (Path dir = root.getParent(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new IllegalStateException("no " + relative + " beside " + root + " or its ancestors;"
                + " set -Doptimesh.mpl-curves=/path/to/mpl-curves");
    }

    /** The nearest directory at or above the working directory that holds the Maven wrapper. */
    private static Path repositoryRoot() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no mvnw at or above " + start + ": run the tests from the repository");
    }
}
