package io.optimesh.core.safetensors;

import static io.optimesh.core.safetensors.SafetensorsBytes.concat;
import static io.optimesh.core.safetensors.SafetensorsBytes.file;
import static io.optimesh.core.safetensors.SafetensorsBytes.le;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsFileTest {

    private static final String I32_2X2 = "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";

    @TempDir
    Path dir;

    @Test
    void readsAnUnpaddedFileAsOlderReleasesOfTheReferenceImplementationWroteThem() throws IOException {
        // 60-byte header, no padding: the data starts at byte 68, not 8-byte aligned, which is still valid.
        byte[] bytes = file(I32_2X2, le(1, 2, 3, -4));
        assertThat(bytes[0]).isEqualTo((byte) '<');
        try (SafetensorsFile f = open(bytes)) {
            assertThat(f.metadata()).isEmpty();
            assertThat(f.tensors()).containsExactly(new TensorInfo("test", DType.I32, new long[] {2, 2}, 0, 16));
            ByteBuffer data = f.read("test");
            assertThat(data.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(new int[] {data.getInt(0), data.getInt(4), data.getInt(8), data.getInt(12)})
                    .containsExactly(1, 2, 3, -4);
        }
    }

    @Test
    void readsMetadataFollowedByPaddingSpaces() throws IOException {
        String header = "{\"__metadata__\":{\"framework\":\"pt\"},\"test1\":{\"dtype\":\"I32\",\"shape\":[2,2],"
                + "\"data_offsets\":[0,16]}}       ";
        byte[] bytes = file(header, new byte[16]);
        assertThat(bytes[0]).isEqualTo((byte) 'f');
        try (SafetensorsFile f = open(bytes)) {
            assertThat(f.metadata()).containsExactly(Map.entry("framework", "pt"));
            assertThat(f.info("test1").byteSize()).isEqualTo(16);
        }
    }

    @Test
    void keepsHeaderOrderWhenItDiffersFromOffsetOrderAndDecodesHalfFloats() throws IOException {
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[4,10]},"
                + "\"__metadata__\":null,"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                + "\"flag\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[2,4]}}";
        ByteBuffer data = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3FC0); // BF16 1.5
        data.put((byte) 1).put((byte) 0);
        data.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001); // F16 1, -2, 2^-24
        try (SafetensorsFile f = open(file(header, data.array()))) {
            assertThat(f.tensors()).extracting(TensorInfo::name).containsExactly("h", "bf", "flag");
            assertThat(f.metadata()).isEmpty();
            assertThat(f.readFloats("h")).containsExactly(1f, -2f, 0x1p-24f);
            assertThat(f.readDoubles("h")).containsExactly(1, -2, 0x1p-24);
            assertThat(f.readFloats("bf")).containsExactly(1.5f);
            assertThat(f.find("flag")).isPresent();
            assertThat(f.find("nope")).isEmpty();
        }
    }

    @Test
    void acceptsAnEmptyFile() throws IOException {
        try (SafetensorsFile f = open(file("{}      ", new byte[0]))) {
            assertThat(f.tensors()).isEmpty();
            assertThat(f.metadata()).isEmpty();
        }
    }

    static Stream<Arguments> malformed() {
        String f32x2 = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        return Stream.of(
                Arguments.of("shorter than the length prefix", new byte[] {16, 0, 0}, "too short for the 8-byte header length"),
                Arguments.of("empty tensor name (a fuzzer finding)", file("{\"\":{\"dtype\":\"F16\",\"shape\":[1],"
                        + "\"data_offsets\":[0,2]}}", new byte[2]), "a tensor has an empty name"),
                Arguments.of("header length past the end", file(1000, f32x2, new byte[8]),
                        "header length 1000 runs past the end of the file"),
                Arguments.of("header length with the top bit set", file(-1L, f32x2, new byte[8]),
                        "header length 18446744073709551615 runs past the end"),
                Arguments.of("truncated data", file(f32x2, new byte[5]),
                        "tensor 'a': data_offsets [0, 8] run past the end of the 5-byte data buffer"),
                Arguments.of("trailing bytes", file(f32x2, new byte[12]),
                        "4 bytes at the end of the data buffer belong to no tensor"),
                Arguments.of("overlap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
                        "tensor 'b' [4, 12) overlaps tensor 'a' [0, 8)"),
                Arguments.of("gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]),
                        "4 unused bytes at [4, 8) before tensor 'b'"),
                Arguments.of("buffer not starting at 0", file("{\"b\":{\"dtype\":\"U8\",\"shape\":[1],"
                        + "\"data_offsets\":[1,2]}}", new byte[2]), "1 unused bytes at [0, 1) before tensor 'b'"),
                Arguments.of("bad JSON", file("{\"a\":{\"dtype\":", new byte[0]), "header is not valid JSON"),
                Arguments.of("junk after the JSON", file("{} x", new byte[0]), "header is not valid JSON"),
                Arguments.of("duplicate tensor", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                        + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", new byte[2]), "Duplicate field 'a'"),
                Arguments.of("not an object", file("[1, 2]", new byte[0]), "header does not start with '{'"),
                Arguments.of("empty header", file("", new byte[0]), "header does not start with '{'"),
                Arguments.of("invalid UTF-8", concat(le(6, 0), new byte[] {'{', '"', (byte) 0xC3, '"', ':', '}'}),
                        "header is not valid UTF-8"),
                Arguments.of("unknown dtype", file("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}",
                        new byte[16]), "tensor 'a': unknown dtype 'F128'"),
                Arguments.of("missing dtype", file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                        "tensor 'a': \"dtype\" is missing or not a string"),
                Arguments.of("tensor entry not an object", file("{\"a\":[0,4]}", new byte[4]),
                        "tensor 'a' is ARRAY, not an object"),
                Arguments.of("size not matching shape", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                        + "\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'a': data_offsets [0, 4] span 4 bytes but F32[2] needs 8"),
                Arguments.of("negative dimension", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],"
                        + "\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'a': \"shape\" entry -1 is not a non-negative 64-bit integer"),
                Arguments.of("fractional dimension", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],"
                        + "\"data_offsets\":[0,4]}}", new byte[4]), "\"shape\" entry 1.5 is not"),
                Arguments.of("dimension over 64 bits", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],"
                        + "\"data_offsets\":[0,4]}}", new byte[4]), "\"shape\" entry 99999999999999999999 is not"),
                Arguments.of("shape overflowing", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                        + "\"data_offsets\":[0,4]}}", new byte[4]), "tensor 'a': element count of shape"),
                Arguments.of("three offsets", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}",
                        new byte[1]), "tensor 'a': \"data_offsets\" has 3 entries, expected 2"),
                Arguments.of("offsets reversed", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[1,0]}}",
                        new byte[1]), "tensor 'a': data_offsets [1, 0] end before they begin"),
                Arguments.of("metadata not strings", file("{\"__metadata__\":{\"epoch\":3}}", new byte[0]),
                        "__metadata__ value of 'epoch' is NUMBER, not a string"),
                Arguments.of("metadata not an object", file("{\"__metadata__\":\"pt\"}", new byte[0]),
                        "__metadata__ is STRING, not an object of strings"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesMalformedFilesWithAClearMessage(String what, byte[] bytes, String message) throws IOException {
        Path path = SafetensorsBytes.write(dir, "bad.safetensors", bytes);
        assertThatThrownBy(() -> SafetensorsFile.open(path).close())
                .isExactlyInstanceOf(SafetensorsFormatException.class)
                .hasMessageStartingWith(path.toString())
                .hasMessageContaining(message);
    }

    @Test
    void everyTruncationAndHeaderCorruptionIsAFormatErrorNeverAnUncheckedOne() throws IOException {
        Path valid = dir.resolve("valid.safetensors");
        SafetensorsWriter.write(valid, List.of(
                Tensor.f32("w", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
                new Tensor("b", DType.BF16, new long[] {2}, ByteBuffer.allocate(4))), Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(valid);
        int headerEnd = 8 + (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Path probe = dir.resolve("probe.safetensors");
        for (int length = 0; length < bytes.length; length += length < 16 ? 1 : 5) {
            Files.write(probe, Arrays.copyOf(bytes, length));
            assertThatThrownBy(() -> SafetensorsFile.open(probe).close())
                    .as("truncated to %d bytes", length).isExactlyInstanceOf(SafetensorsFormatException.class);
        }
        int opened = 0;
        for (int i = 0; i < headerEnd; i++) {
            for (byte replacement : new byte[] {'"', '9', (byte) 0xFF}) {
                byte[] corrupt = bytes.clone();
                corrupt[i] = replacement;
                Files.write(probe, corrupt);
                try (SafetensorsFile f = SafetensorsFile.open(probe)) {
                    opened++;
                    for (TensorInfo t : f.tensors()) {
                        f.read(t.name());
                    }
                } catch (SafetensorsFormatException expected) {
                    assertThat(expected.getMessage()).startsWith(probe.toString());
                }
            }
        }
        // Harmless edits (a digit in a tensor name or a metadata value) still open.
        assertThat(opened).isPositive();
    }

    @Test
    void readingMisusesFailWithClearMessages() throws IOException {
        Path path = dir.resolve("m.safetensors");
        SafetensorsWriter.write(path, List.of(
                Tensor.f32("w", new long[] {3}, new float[] {1, 2, 3}),
                new Tensor("d", DType.F64, new long[] {1}, ByteBuffer.allocate(8)),
                new Tensor("i", DType.I64, new long[] {1}, ByteBuffer.allocate(8))), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertThatThrownBy(() -> f.info("x")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no tensor 'x' in");
            assertThatThrownBy(() -> f.readFloats("d")).hasMessageContaining("tensor 'd' is F64; read it with readDoubles");
            assertThatThrownBy(() -> f.readDoubles("i")).hasMessageContaining("tensor 'i' is I64, not a floating-point type");
            assertThatThrownBy(() -> f.readFloats("w", 2, new float[2], 0, 2))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("tensor 'w' has 3 elements");
            assertThatThrownBy(() -> f.read("w", 8, 8)).isInstanceOf(IndexOutOfBoundsException.class);
            float[] tail = new float[3];
            f.readFloats("w", 1, tail, 1, 2);
            assertThat(tail).containsExactly(0, 2, 3);
        }
    }

    private SafetensorsFile open(byte[] bytes) throws IOException {
        return SafetensorsFile.open(SafetensorsBytes.write(dir, "t.safetensors", bytes));
    }
}
