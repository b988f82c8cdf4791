package io.optimesh.core.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes {@link SafetensorsFile}: whatever the bytes, opening and reading every tensor either works or throws
 * {@link SafetensorsFormatException}; any other exception, a hang or running out of memory is a finding.
 *
 * <p>Under {@code mvn verify} (regression mode) it runs the seed corpus in
 * {@code src/test/resources/io/optimesh/core/safetensors/SafetensorsFuzzTestInputs/readsAnyFile/} (valid files,
 * and malformed ones: header length past the end, overlapping offsets, bad JSON, gaps, truncation...) in well
 * under a second. To fuzz (Jazzer instruments the reader and mutates the corpus; crashing inputs are written to
 * that directory, where they stay as regression seeds once fixed):
 * <pre>JAZZER_FUZZ=1 ./mvnw -B -o -pl core test -Dtest=SafetensorsFuzzTest -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * {@code maxDuration} bounds a fuzzing run; {@code -Djazzer.max_duration=10m} runs longer.
 */
class SafetensorsFuzzTest {

    /** Elements decoded per read, so a tensor is read in several slices as callers do. */
    private static final int SLICE = 1024;

    private static Path dir;

    @BeforeAll
    static void createDirectory() throws IOException {
        dir = Files.createTempDirectory("safetensors-fuzz");
    }

    @AfterAll
    static void deleteDirectory() throws IOException {
        Files.deleteIfExists(dir.resolve("input.safetensors"));
        Files.deleteIfExists(dir);
    }

    @FuzzTest(maxDuration = "2m")
    void readsAnyFile(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("input.safetensors"), bytes);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            f.metadata().forEach((k, v) -> k.length());
            for (TensorInfo t : f.tensors()) {
                if (t.dtype().isFloatingPoint()) {
                    double[] values = new double[SLICE];
                    for (long from = 0; from < t.elementCount(); from += SLICE) {
                        f.readDoubles(t.name(), from, values, 0, (int) Math.min(SLICE, t.elementCount() - from));
                    }
                } else {
                    for (long from = 0; from < t.byteSize(); from += SLICE) {
                        f.read(t.name(), from, (int) Math.min(SLICE, t.byteSize() - from));
                    }
                }
            }
        } catch (SafetensorsFormatException expected) {
            // The one failure a malformed file may cause.
        }
    }
}
