package io.optimesh.core.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes {@link SafetensorsFile} and the index of {@link ShardedSafetensors}: whatever the bytes, opening and
 * reading every tensor either works or throws {@link SafetensorsFormatException}; any other exception, a hang or
 * running out of memory is a finding.
 *
 * <p>Under {@code mvn verify} (regression mode) it runs the seed corpus in
 * {@code src/test/resources/io/optimesh/core/safetensors/SafetensorsFuzzTestInputs/<method>/} (valid files,
 * and malformed ones: header length past the end, overlapping offsets, bad JSON, gaps, trailing bytes,
 * truncation; indexes that disagree with their shard) in a few seconds, without instrumentation (core's pom
 * sets {@code jazzer.hooks=false}). To fuzz one target (Jazzer instruments the reader and mutates the corpus; a
 * crashing input is written to that directory, where it stays as a regression seed once fixed; the working
 * corpus goes to core/.cifuzz-corpus):
 * <pre>JAZZER_FUZZ=1 ./mvnw -B -o -pl core test -Djazzer.hooks=true -Dtest='SafetensorsFuzzTest#readsAnyFile' \
 *     -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * {@code maxDuration} bounds a fuzzing run. Inputs go through a file in {@code /dev/shm} where there is one.
 */
class SafetensorsFuzzTest {

    /** Elements decoded per read, so a tensor is read in several slices as callers do. */
    private static final int SLICE = 1024;

    private static Path dir;

    @BeforeAll
    static void createDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        // Memory-backed when possible: every input is written to a file, and disk writes would bound the rate.
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "safetensors-fuzz")
                : Files.createTempDirectory("safetensors-fuzz");
        SafetensorsWriter.write(dir.resolve("shard.safetensors"), List.of(Tensor.f32("x", new long[] {1}, new float[] {1}),
                Tensor.f32("y", new long[] {1}, new float[] {2})), Map.of());
    }

    @AfterAll
    static void deleteDirectory() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @FuzzTest(maxDuration = "2m")
    void readsAnyFile(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("input.safetensors"), bytes);
        try (SafetensorsReader f = SafetensorsFile.open(file)) {
            readAll(f);
        } catch (SafetensorsFormatException expected) {
            // The one failure a malformed file may cause.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void readsAnyIndex(byte[] bytes) throws IOException {
        Path index = Files.write(dir.resolve("model.safetensors.index.json"), bytes);
        try (SafetensorsReader f = SafetensorsReader.open(index)) {
            readAll(f);
        } catch (SafetensorsFormatException expected) {
            // The one failure a malformed index may cause.
        }
    }

    private static void readAll(SafetensorsReader f) throws IOException {
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
    }
}
