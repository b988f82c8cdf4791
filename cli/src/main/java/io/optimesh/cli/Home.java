package io.optimesh.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Optional;

/** The repository the mesh runs from: OPTIMESH_HOME (the script sets it), else found from this jar. */
public final class Home {

    private Home() {
    }

    public static Path resolve() {
        String env = System.getenv("OPTIMESH_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return fromJar().orElse(Path.of("").toAbsolutePath());
    }

    /** {@code <home>/cli/target/optimesh-cli.jar}, or {@code <home>/cli/target/classes} in a build. */
    private static Optional<Path> fromJar() {
        CodeSource source = Home.class.getProtectionDomain().getCodeSource();
        if (source == null) {
            return Optional.empty();
        }
        try {
            Path target = Path.of(source.getLocation().toURI()).getParent();
            return Optional.ofNullable(target)
                    .filter(t -> t.getFileName() != null && t.getFileName().toString().equals("target"))
                    .map(Path::getParent)
                    .map(Path::getParent)
                    .filter(home -> Files.isRegularFile(home.resolve("pom.xml")));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
