package io.optimesh.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The classpath the broker's JVM runs from: this JVM's own, which holds kafka_2.13. Run as
 * {@code java -jar optimesh-cli.jar}, java.class.path names only that jar, so the Class-Path entries of
 * its manifest ({@code lib/*.jar}) are added the way the JVM itself resolves them.
 */
final class BrokerClasspath {

    private BrokerClasspath() {
    }

    static String current() {
        return expand(System.getProperty("java.class.path"));
    }

    static String expand(String classpath) {
        Set<String> entries = new LinkedHashSet<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path path = Path.of(entry).toAbsolutePath().normalize();
            entries.add(path.toString());
            if (entry.endsWith(".jar") && Files.isRegularFile(path)) {
                entries.addAll(manifestClassPath(path));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Set<String> manifestClassPath(Path jar) {
        Set<String> entries = new LinkedHashSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String value = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (value != null) {
                for (String relative : value.trim().split("\\s+")) {
                    // Entries are URLs, relative to the jar's folder or absolute.
                    entries.add(Path.of(jar.getParent().toUri().resolve(relative)).normalize().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest of " + jar, e);
        }
        return entries;
    }
}
