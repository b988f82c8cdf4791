package io.optimesh.core.safetensors;

import static io.optimesh.core.safetensors.SafetensorsBytes.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsValuesShapesOrderAndMetadata() throws IOException {
        Path path = dir.resolve("model.safetensors");
        ByteBuffer ids = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-7).putLong(1L << 40).flip();
        ByteBuffer scalar = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI).flip();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("note", "Grüße, 世界");
        SafetensorsWriter.write(path, List.of(
                Tensor.f32("w.weight", new long[] {2, 3}, new float[] {1.5f, -2f, 0f, Float.MIN_VALUE, 1e30f, -0f}),
                new Tensor("ids", DType.I64, new long[] {2}, ids),
                new Tensor("pi", DType.F64, new long[] {}, scalar),
                new Tensor("empty", DType.F32, new long[] {0, 4}, ByteBuffer.allocate(0)),
                new Tensor("mask", DType.BOOL, new long[] {3}, ByteBuffer.wrap(new byte[] {1, 0, 1}))),
                metadata);

        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "Grüße, 世界"));
            assertThat(f.tensors()).extracting(TensorInfo::name).containsExactly("w.weight", "ids", "pi", "empty", "mask");
            assertThat(f.tensors()).extracting(TensorInfo::begin).containsExactly(0L, 24L, 40L, 48L, 48L);
            TensorInfo w = f.info("w.weight");
            assertThat(w.dtype()).isEqualTo(DType.F32);
            assertThat(w.shape()).containsExactly(2, 3);
            assertThat(w.elementCount()).isEqualTo(6);
            assertThat(f.readFloats("w.weight")).containsExactly(1.5f, -2f, 0f, Float.MIN_VALUE, 1e30f, -0f);
            assertThat(Float.floatToRawIntBits(f.readFloats("w.weight")[5])).isEqualTo(0x80000000);
            ByteBuffer readIds = f.read("ids");
            assertThat(readIds.getLong(0)).isEqualTo(-7);
            assertThat(readIds.getLong(8)).isEqualTo(1L << 40);
            assertThat(f.info("pi").shape()).isEmpty();
            assertThat(f.info("pi").elementCount()).isEqualTo(1);
            assertThat(f.readDoubles("pi")).containsExactly(Math.PI);
            assertThat(f.info("empty").elementCount()).isZero();
            assertThat(f.readFloats("empty")).isEmpty();
            ByteBuffer mask = f.read("mask");
            assertThat(new byte[] {mask.get(0), mask.get(1), mask.get(2)}).containsExactly(1, 0, 1);
        }
    }

    @Test
    void writesExactlyTheBytesOfTheReferenceImplementation() throws IOException {
        // Expected bytes are the ones the safetensors package's own tests expect from save(): metadata
        // first, tensors in order, header padded with spaces to a multiple of 8.
        Path plain = dir.resolve("plain.safetensors");
        SafetensorsWriter.write(plain, List.of(new Tensor("test", DType.I32, new long[] {2, 2},
                ByteBuffer.wrap(SafetensorsBytes.le(0, 0, 0, 1)))), Map.of());
        assertThat(Files.readAllBytes(plain)).isEqualTo(file(
                "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}    ",
                SafetensorsBytes.le(0, 0, 0, 1)));

        Path withMetadata = dir.resolve("meta.safetensors");
        SafetensorsWriter.write(withMetadata, List.of(new Tensor("test1", DType.I32, new long[] {2, 2},
                ByteBuffer.allocate(16))), Map.of("framework", "pt"));
        byte[] bytes = Files.readAllBytes(withMetadata);
        assertThat(bytes).isEqualTo(file(
                "{\"__metadata__\":{\"framework\":\"pt\"},\"test1\":{\"dtype\":\"I32\",\"shape\":[2,2],"
                        + "\"data_offsets\":[0,16]}} ",
                new byte[16]));
        assertThat(bytes[0]).isEqualTo((byte) 96);

        Path mixed = dir.resolve("mixed.safetensors");
        SafetensorsWriter.write(mixed, List.of(
                new Tensor("test1", DType.I32, new long[] {2, 2}, ByteBuffer.allocate(16)),
                new Tensor("test2", DType.F16, new long[] {2, 2}, ByteBuffer.allocate(8))), Map.of());
        assertThat(Files.readAllBytes(mixed)).isEqualTo(file(
                "{\"test1\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                        + "\"test2\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[16,24]}}      ",
                new byte[24]));
    }

    @Test
    void padsTheHeaderSoThatDataStartsEightByteAligned() throws IOException {
        for (int nameLength = 1; nameLength <= 16; nameLength++) {
            Path path = dir.resolve("aligned-" + nameLength + ".safetensors");
            String name = "t".repeat(nameLength);
            SafetensorsWriter.write(path, List.of(Tensor.f32(name, new long[] {1}, new float[] {7f})), Map.of());
            byte[] bytes = Files.readAllBytes(path);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long dataStart = 8 + headerLength;
            assertThat(dataStart % 8).as("data start for a %d-char name", nameLength).isZero();
            assertThat(bytes.length).isEqualTo(dataStart + 4);
            assertThat(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat((int) dataStart)).isEqualTo(7f);
            String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
            assertThat(header.stripTrailing()).endsWith("}").doesNotContain("  ");
            assertThat(header.length() - header.stripTrailing().length()).isLessThan(8);
        }
    }

    @Test
    void streamsATensorInChunksAndConvertsToItsDtype() throws IOException {
        Path path = dir.resolve("chunks.safetensors");
        float[] values = new float[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25f - 100f; // exact in F32, F16 and BF16
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(path, List.of(
                new TensorSpec("a", DType.F32, new long[] {10, 100}),
                new TensorSpec("b", DType.BF16, new long[] {4}),
                new TensorSpec("c", DType.F16, new long[] {1000})), Map.of())) {
            w.writeFloats("a", values, 0, 333);
            ByteBuffer rest = ByteBuffer.allocate(667 * 4).order(ByteOrder.LITTLE_ENDIAN);
            rest.asFloatBuffer().put(values, 333, 667);
            w.write("a", rest.slice(0, 10));
            w.write("a", rest.slice(10, rest.capacity() - 10)); // splits a float between two writes
            w.writeFloats("b", new float[] {1f, -0.5f, 3f, 256f}, 0, 4);
            w.writeFloats("c", values, 0, 500);
            w.writeFloats("c", values, 500, 500);
        }
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertThat(f.readFloats("a")).containsExactly(values);
            assertThat(f.readFloats("b")).containsExactly(1f, -0.5f, 3f, 256f);
            assertThat(f.readFloats("c")).containsExactly(values);
            float[] slice = new float[5];
            f.readFloats("c", 995, slice, 0, 5);
            assertThat(slice).containsExactly(values[995], values[996], values[997], values[998], values[999]);
            assertThat(f.read("c", 2, 2).getShort()).isEqualTo(FloatCodec.floatToHalf(values[1]));
        }
    }

    @Test
    void tooManyBytesFailsAndLeavesNoFile() throws IOException {
        Path path = dir.resolve("over.safetensors");
        SafetensorsWriter w = SafetensorsWriter.create(path, List.of(new TensorSpec("a", DType.F32, new long[] {2})), Map.of());
        assertThat(tempFiles()).hasSize(1);
        assertThatThrownBy(() -> w.writeFloats("a", new float[3], 0, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor 'a'").hasMessageContaining("8 bytes").hasMessageContaining("would get 12");
        w.close();
        assertThat(files()).isEmpty();
    }

    @Test
    void tooFewBytesFailsOnCloseAndLeavesNoFile() throws IOException {
        Path path = dir.resolve("short.safetensors");
        SafetensorsWriter w = SafetensorsWriter.create(path, List.of(
                new TensorSpec("a", DType.F32, new long[] {2}), new TensorSpec("b", DType.I8, new long[] {1})), Map.of());
        w.writeFloats("a", new float[] {1f}, 0, 1);
        assertThatThrownBy(w::close).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tensor 'a' got 4 of its 8 bytes").hasMessageContaining("1 later tensor(s) got none");
        assertThat(files()).isEmpty();
    }

    @Test
    void failureInsideTryWithResourcesLeavesThePreviousFileUntouched() throws IOException {
        Path path = dir.resolve("kept.safetensors");
        SafetensorsWriter.write(path, List.of(Tensor.f32("a", new long[] {1}, new float[] {42f})), Map.of());
        byte[] before = Files.readAllBytes(path);
        assertThatThrownBy(() -> {
            try (SafetensorsWriter w = SafetensorsWriter.create(path,
                    List.of(new TensorSpec("a", DType.F32, new long[] {2})), Map.of())) {
                w.writeFloats("a", new float[] {1f}, 0, 1);
                throw new IllegalStateException("trainer crashed");
            }
        }).hasMessage("trainer crashed").satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(Files.readAllBytes(path)).isEqualTo(before);
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void abortDiscardsTheFileAndKeepsThePreviousOne() throws IOException {
        Path path = dir.resolve("aborted.safetensors");
        SafetensorsWriter.write(path, List.of(Tensor.f32("a", new long[] {1}, new float[] {42f})), Map.of());
        SafetensorsWriter w = SafetensorsWriter.create(path, List.of(new TensorSpec("a", DType.F32, new long[] {1})), Map.of());
        w.writeFloats("a", new float[] {7f}, 0, 1);
        w.abort();
        w.close();
        assertThat(files()).containsExactly(path);
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertThat(f.readFloats("a")).containsExactly(42f);
        }
        assertThatThrownBy(() -> w.writeFloats("a", new float[] {7f}, 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void committedFileGetsTheSamePermissionsAsAnyNewFile() throws IOException {
        Path plain = Files.write(dir.resolve("plain.bin"), new byte[] {1});
        Path path = dir.resolve("perms.safetensors");
        SafetensorsWriter.write(path, List.of(Tensor.f32("a", new long[] {1}, new float[] {1f})), Map.of());
        assertThat(Files.getPosixFilePermissions(path)).isEqualTo(Files.getPosixFilePermissions(plain));
    }

    @Test
    void writingOutOfOrderFails() throws IOException {
        SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("order.safetensors"), List.of(
                new TensorSpec("a", DType.U8, new long[] {1}), new TensorSpec("b", DType.U8, new long[] {1})), Map.of());
        assertThatThrownBy(() -> w.write("b", ByteBuffer.wrap(new byte[] {1})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor 'b' written while 'a' is next");
        assertThat(files()).isEmpty();
    }

    @Test
    void writingFloatsIntoAnIntegerTensorFails() throws IOException {
        SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("int.safetensors"),
                List.of(new TensorSpec("steps", DType.I64, new long[] {1})), Map.of());
        assertThatThrownBy(() -> w.writeFloats("steps", new float[] {1f}, 0, 1))
                .hasMessageContaining("tensor 'steps' is I64, not a floating-point type");
        assertThat(files()).isEmpty();
    }

    @Test
    void refusesBadDeclarations() throws IOException {
        assertThatThrownBy(() -> SafetensorsWriter.create(dir.resolve("x.safetensors"), List.of(
                new TensorSpec("a", DType.U8, new long[] {1}), new TensorSpec("a", DType.U8, new long[] {1})), Map.of()))
                .hasMessageContaining("tensor 'a' is declared twice");
        assertThatThrownBy(() -> SafetensorsWriter.create(dir.resolve("x.safetensors"),
                List.of(new TensorSpec("__metadata__", DType.U8, new long[] {1})), Map.of()))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> new TensorSpec("neg", DType.F32, new long[] {2, -1}))
                .hasMessageContaining("tensor 'neg': negative dimension");
        assertThatThrownBy(() -> new TensorSpec("huge", DType.F64, new long[] {1L << 62}))
                .hasMessageContaining("tensor 'huge': byte size").hasMessageContaining("overflows");
        assertThatThrownBy(() -> new Tensor("short", DType.F32, new long[] {3}, ByteBuffer.allocate(8)))
                .hasMessageContaining("tensor 'short': F32[3] needs 12 bytes but data has 8");
        assertThat(files()).isEmpty();
    }

    @Test
    void equalInputsGiveIdenticalFilesWhateverTheMetadataMapOrder() throws IOException {
        Map<String, String> forward = new LinkedHashMap<>();
        forward.put("a", "1");
        forward.put("b", "2");
        Map<String, String> backward = new LinkedHashMap<>();
        backward.put("b", "2");
        backward.put("a", "1");
        List<Tensor> tensors = List.of(Tensor.f32("x", new long[] {1}, new float[] {1f}));
        SafetensorsWriter.write(dir.resolve("1.safetensors"), tensors, forward);
        SafetensorsWriter.write(dir.resolve("2.safetensors"), tensors, backward);
        assertThat(Files.readAllBytes(dir.resolve("1.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("2.safetensors")));
    }

    @Test
    void writeDoublesRoundsOnceToHalfPrecision() throws IOException {
        // 1 + 2^-11 + 2^-40 is just above the midpoint between the halves 1 and 1 + 2^-10: the right
        // answer is 1 + 2^-10. Rounding to float first lands exactly on the midpoint, then on 1.
        double justAboveMidpoint = 1 + 0x1p-11 + 0x1p-40;
        // For BF16 (8 significand bits) the midpoint between 1 and 1 + 2^-7 is 1 + 2^-8.
        double bf16JustAboveMidpoint = 1 + 0x1p-8 + 0x1p-40;
        Path path = dir.resolve("round.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(path, List.of(
                new TensorSpec("h", DType.F16, new long[] {1}),
                new TensorSpec("b", DType.BF16, new long[] {1})), Map.of())) {
            w.writeDoubles("h", new double[] {justAboveMidpoint}, 0, 1);
            w.writeDoubles("b", new double[] {bf16JustAboveMidpoint}, 0, 1);
        }
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertThat(f.readDoubles("h")).containsExactly(1 + 0x1p-10);
            assertThat(f.readDoubles("b")).containsExactly(1 + 0x1p-7);
        }
        assertThat(FloatCodec.floatToHalf((float) justAboveMidpoint)).isEqualTo((short) 0x3C00);
    }

    @Test
    void readsASecondSliceOfAMappedTensor() throws IOException {
        // Over the mapping threshold, so read(name) maps rather than copies.
        int n = (1 << 20) / 4 + 3;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        Path path = dir.resolve("big.safetensors");
        SafetensorsWriter.write(path, List.of(Tensor.f32("pad", new long[] {1}, new float[] {9f}),
                Tensor.f32("big", new long[] {n}, values)), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            ByteBuffer mapped = f.read("big");
            assertThat(mapped.isDirect()).isTrue();
            assertThat(mapped.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(mapped.remaining()).isEqualTo(n * 4);
            assertThat(mapped.getFloat(0)).isEqualTo(0f);
            assertThat(mapped.getFloat((n - 1) * 4)).isEqualTo(n - 1);
            assertThat(f.readFloats("big")).isEqualTo(values);
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    private List<Path> tempFiles() throws IOException {
        return files().stream().filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
}
