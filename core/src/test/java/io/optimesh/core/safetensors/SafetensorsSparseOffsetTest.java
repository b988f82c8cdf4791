package io.optimesh.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets past 2^31 without writing 2 GiB: a header that puts a tensor after a 2^31 + 8 byte U8 tensor, in a
 * sparse file whose only written bytes are the header and that last tensor. (The opt-in
 * {@link SafetensorsLargeFileTest} writes a real file of that size.)
 */
class SafetensorsSparseOffsetTest {

    private static final long PAD = (1L << 31) + 8;

    @TempDir
    Path dir;

    @Test
    void readsATensorLyingPastTwoGibibytes() throws IOException {
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + PAD + "],\"data_offsets\":[0," + PAD + "]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + PAD + "," + (PAD + 16) + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path path = dir.resolve("sparse.safetensors");
        long dataStart = 8 + json.length;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, json.length));
            ch.write(ByteBuffer.wrap(json));
            ByteBuffer x = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            x.putFloat(1.5f).putFloat(-2f).putFloat(3.25f).putFloat(1e-3f).flip();
            ch.write(x, dataStart + PAD);
        }
        assertThat(Files.size(path)).isGreaterThan(1L << 31);

        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertThat(f.info("x").begin()).isEqualTo(PAD);
            double[] all = new double[4];
            f.readDoubles("x", 0, all, 0, 4);
            assertThat(all).containsExactly(1.5, -2, 3.25, (double) 1e-3f);
            float[] two = new float[2];
            f.readFloats("x", 2, two, 0, 2);
            assertThat(two).containsExactly(3.25f, 1e-3f);
            assertThat(f.read("x", 4, 4).getFloat()).isEqualTo(-2f);
            // The last bytes of the padding, at tensor offset 2^31 and beyond, are the file's holes: zeros.
            ByteBuffer tail = f.read("pad", 1L << 31, 8);
            assertThat(tail.getLong()).isZero();
            assertThatThrownBy(() -> f.read("pad", PAD - 4, 8)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> f.read("pad")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("read it in slices");
        }
    }

    @Test
    void refusesOffsetsThatRunPastTheEndOfALargeFile() throws IOException {
        // The same header but the file stops 4 bytes short of x's end.
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + PAD + "],\"data_offsets\":[0," + PAD + "]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + PAD + "," + (PAD + 16) + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path path = dir.resolve("short.safetensors");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, json.length));
            ch.write(ByteBuffer.wrap(json));
            ch.write(ByteBuffer.allocate(12), 8 + json.length + PAD);
        }
        assertThatThrownBy(() -> SafetensorsFile.open(path)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("run past the end of the " + (PAD + 12) + "-byte data buffer");
    }
}
