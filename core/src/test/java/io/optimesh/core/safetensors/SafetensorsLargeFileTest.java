package io.optimesh.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets past 2 GiB, on a real 2 GiB file. Opt-in (it writes 2 GiB and takes tens of seconds):
 * {@code ./mvnw -o -pl core test -Dtest=SafetensorsLargeFileTest -Doptimesh.test.largeFiles=true}.
 */
@EnabledIfSystemProperty(named = "optimesh.test.largeFiles", matches = "true")
class SafetensorsLargeFileTest {

    /** Just over 2^31 bytes of F32, so offsets into it and after it need more than an int. */
    private static final long BIG_ELEMENTS = (1L << 29) + 4;

    @TempDir
    Path dir;

    @Test
    void writesAndReadsAFileLargerThanTwoGibibytes() throws IOException {
        Path path = dir.resolve("large.safetensors");
        int chunk = 1 << 24;
        float[] buf = new float[chunk];
        try (SafetensorsWriter w = SafetensorsWriter.create(path, List.of(
                new TensorSpec("head", DType.F32, new long[] {2}),
                new TensorSpec("big", DType.F32, new long[] {BIG_ELEMENTS}),
                new TensorSpec("tail", DType.F64, new long[] {3})), Map.of("size", "large"))) {
            w.writeFloats("head", new float[] {-1f, -2f}, 0, 2);
            for (long start = 0; start < BIG_ELEMENTS; start += chunk) {
                int n = (int) Math.min(chunk, BIG_ELEMENTS - start);
                for (int i = 0; i < n; i++) {
                    buf[i] = valueAt(start + i);
                }
                w.writeFloats("big", buf, 0, n);
            }
            w.writeDoubles("tail", new double[] {1.25, Math.E, -0.0}, 0, 3);
        }

        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            TensorInfo big = f.info("big");
            assertThat(big.byteSize()).isEqualTo(BIG_ELEMENTS * 4).isGreaterThan(Integer.MAX_VALUE);
            assertThat(f.info("tail").begin()).isEqualTo(8 + BIG_ELEMENTS * 4);
            assertThat(Files.size(path)).isGreaterThan(1L << 31);
            assertThat(f.metadata()).containsEntry("size", "large");
            assertThat(f.readFloats("head")).containsExactly(-1f, -2f);
            assertThat(f.readDoubles("tail")).containsExactly(1.25, Math.E, -0.0);

            assertThatThrownBy(() -> f.read("big")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("read it in slices");
            float[] across = new float[8];
            long from = (1L << 29) - 4; // the slice straddles byte 2^31 of the tensor
            f.readFloats("big", from, across, 0, 8);
            for (int i = 0; i < 8; i++) {
                assertThat(across[i]).isEqualTo(valueAt(from + i));
            }
            ByteBuffer lastBytes = f.read("big", BIG_ELEMENTS * 4 - 4, 4);
            assertThat(lastBytes.getFloat()).isEqualTo(valueAt(BIG_ELEMENTS - 1));
        }
    }

    private static float valueAt(long i) {
        return (float) (i % 1_000_003);
    }
}
