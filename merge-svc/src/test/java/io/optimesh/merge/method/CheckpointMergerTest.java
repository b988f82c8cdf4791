package io.optimesh.merge.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.SafetensorsFormatException;
import io.optimesh.core.safetensors.SafetensorsReader;
import io.optimesh.core.safetensors.SafetensorsSink;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.ShardedSafetensors;
import io.optimesh.core.safetensors.Tensor;
import io.optimesh.core.safetensors.TensorInfo;
import io.optimesh.core.safetensors.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointMergerTest {

    @TempDir
    Path dir;

    @Test
    void averagesTwoCheckpointsWithWeightsAndRecordsProvenance() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(a, List.of(
                Tensor.f32("w", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
                Tensor.f32("bias", new long[] {2}, new float[] {-1, 0.5f})),
                Map.of("format", "pt", "epoch", "1", "optimesh.merge.method", "ema"));
        // Same tensors in another header order: the output follows the first input.
        SafetensorsWriter.write(b, List.of(
                Tensor.f32("bias", new long[] {2}, new float[] {1, 0.5f}),
                Tensor.f32("w", new long[] {2, 2}, new float[] {5, 6, 7, 8})),
                Map.of("format", "pt", "epoch", "2", "optimesh.merge.method", "ema"));
        Path out = dir.resolve("merged.safetensors");

        MergeResult result = LinearMerge.of(0.25, 0.75).merge(List.of(a, b), out);

        assertThat(result.output()).isEqualTo(out);
        assertThat(result.tensors()).isEqualTo(2);
        assertThat(result.combined()).isEqualTo(2);
        assertThat(result.elements()).isEqualTo(6);
        try (SafetensorsFile merged = SafetensorsFile.open(out)) {
            assertThat(merged.tensors()).extracting(t -> t.name()).containsExactly("w", "bias");
            // 0.25 * 1 + 0.75 * 5 = 4, and so on.
            assertThat(merged.readFloats("w")).containsExactly(4, 5, 6, 7);
            assertThat(merged.readFloats("bias")).containsExactly(0.5f, 0.5f);
            assertThat(merged.info("w").shape()).containsExactly(2, 2);
            assertThat(merged.info("w").dtype()).isEqualTo(DType.F32);
            Map<String, String> meta = merged.metadata();
            assertThat(meta).containsEntry("format", "pt").doesNotContainKey("epoch")
                    .containsEntry("optimesh.merge.method", "linear")
                    .containsEntry("optimesh.merge.weights", "[0.25,0.75]");
            assertThat(new JsonMapper().readValue(meta.get("optimesh.merge.inputs"), String[].class))
                    .containsExactly(a.toUri().toString(), b.toUri().toString());
            assertThat(result.metadata()).isEqualTo(meta);
        }
    }

    @Test
    void streamsTensorsLargerThanTheChunkExactly() throws IOException {
        float[][] values = new float[3][10];
        for (int i = 0; i < 10; i++) {
            values[0][i] = i;
            values[1][i] = 2 * i;
            values[2][i] = 4 * i;
        }
        List<Path> inputs = List.of(dir.resolve("0.safetensors"), dir.resolve("1.safetensors"), dir.resolve("2.safetensors"));
        for (int k = 0; k < 3; k++) {
            SafetensorsWriter.write(inputs.get(k), List.of(
                    Tensor.f32("x", new long[] {10}, values[k]),
                    Tensor.f32("empty", new long[] {0}, new float[0]),
                    Tensor.f32("s", new long[] {}, new float[] {k})), Map.of());
        }
        Path chunked = dir.resolve("chunked.safetensors");
        Path whole = dir.resolve("whole.safetensors");
        new CheckpointMerger(3).merge(inputs, chunked, LinearMerge.normalised(1, 1, 2));
        new CheckpointMerger().merge(inputs, whole, LinearMerge.normalised(1, 1, 2));

        try (SafetensorsFile merged = SafetensorsFile.open(chunked)) {
            float[] expected = new float[10];
            for (int i = 0; i < 10; i++) {
                expected[i] = 2.75f * i; // 0.25 i + 0.25 (2 i) + 0.5 (4 i)
            }
            assertThat(merged.readFloats("x")).containsExactly(expected);
            assertThat(merged.readFloats("empty")).isEmpty();
            assertThat(merged.readFloats("s")).containsExactly(1.25f); // 0.25 * 1 + 0.5 * 2
        }
        assertThat(Files.readAllBytes(chunked)).isEqualTo(Files.readAllBytes(whole));
    }

    @Test
    void keepsHalfPrecisionTypesAndRoundsOnce() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        writeHalves(a, new float[] {1, 2}, new float[] {1});
        writeHalves(b, new float[] {2, 3}, new float[] {1 + 0x1p-10f});
        Path out = dir.resolve("m.safetensors");
        LinearMerge.of(0.5, 0.5).merge(List.of(a, b), out);
        try (SafetensorsFile merged = SafetensorsFile.open(out)) {
            assertThat(merged.info("bf").dtype()).isEqualTo(DType.BF16);
            assertThat(merged.info("h").dtype()).isEqualTo(DType.F16);
            assertThat(merged.readFloats("bf")).containsExactly(1.5f, 2.5f);
            // 1 + 2^-11 lies halfway between the halves 1 and 1 + 2^-10: ties go to the even one, 1.
            assertThat(merged.read("h").getShort(0)).isEqualTo((short) 0x3C00);
        }
    }

    @Test
    void carriesOverIntegerTensorsThatAgree() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(a, List.of(Tensor.f32("w", new long[] {1}, new float[] {2}), longs("step", 100, -3)), Map.of());
        SafetensorsWriter.write(b, List.of(Tensor.f32("w", new long[] {1}, new float[] {4}), longs("step", 100, -3)), Map.of());
        Path out = dir.resolve("m.safetensors");
        MergeResult result = new CheckpointMerger(1).merge(List.of(a, b), out, LinearMerge.uniform(2));
        assertThat(result.combined()).isEqualTo(1);
        assertThat(result.tensors()).isEqualTo(2);
        try (SafetensorsFile merged = SafetensorsFile.open(out)) {
            assertThat(merged.readFloats("w")).containsExactly(3);
            ByteBuffer step = merged.read("step");
            assertThat(step.getLong(0)).isEqualTo(100);
            assertThat(step.getLong(8)).isEqualTo(-3);
        }
    }

    @Test
    void refusesIntegerTensorsThatDifferAndLeavesThePreviousOutput() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(a, List.of(Tensor.f32("w", new long[] {1}, new float[] {2}), longs("step", 100, 7)), Map.of());
        SafetensorsWriter.write(b, List.of(Tensor.f32("w", new long[] {1}, new float[] {4}), longs("step", 100, 8)), Map.of());
        Path out = dir.resolve("m.safetensors");
        SafetensorsWriter.write(out, List.of(Tensor.f32("old", new long[] {1}, new float[] {9})), Map.of());

        assertThatThrownBy(() -> new CheckpointMerger(1).merge(List.of(a, b), out, LinearMerge.uniform(2)))
                .isInstanceOfSatisfying(IncompatibleCheckpointsException.class, e -> {
                    assertThat(e.tensor()).isEqualTo("step");
                    assertThat(e.input()).isEqualTo(1);
                })
                .hasMessageContaining("tensor 'step' is I64")
                .hasMessageContaining(b + " differs from " + a);
        assertThat(files()).containsExactlyInAnyOrder(a, b, out);
        try (SafetensorsFile previous = SafetensorsFile.open(out)) {
            assertThat(previous.readFloats("old")).containsExactly(9);
        }
    }

    @Test
    void refusesCheckpointsThatDoNotHoldTheSameTensors() throws IOException {
        Path ref = write("ref", Tensor.f32("w", new long[] {2, 2}, new float[4]), Tensor.f32("b", new long[] {2}, new float[2]));
        Path reshaped = write("reshaped", Tensor.f32("w", new long[] {4}, new float[4]), Tensor.f32("b", new long[] {2}, new float[2]));
        Path retyped = write("retyped", Tensor.f32("w", new long[] {2, 2}, new float[4]),
                new Tensor("b", DType.F64, new long[] {2}, ByteBuffer.allocate(16)));
        Path missing = write("missing", Tensor.f32("w", new long[] {2, 2}, new float[4]));
        Path extra = write("extra", Tensor.f32("w", new long[] {2, 2}, new float[4]), Tensor.f32("b", new long[] {2}, new float[2]),
                Tensor.f32("head", new long[] {1}, new float[1]));
        Path out = dir.resolve("out.safetensors");
        CheckpointMerger merger = new CheckpointMerger();

        assertIncompatible(() -> merger.merge(List.of(ref, reshaped), out, LinearMerge.uniform(2)), "w", 1,
                "tensor 'w' has shape [2, 2] in " + ref + " but [4] in " + reshaped);
        assertIncompatible(() -> merger.merge(List.of(ref, ref, retyped), out, LinearMerge.uniform(3)), "b", 2,
                "tensor 'b' is F32 in " + ref + " but F64 in " + retyped);
        assertIncompatible(() -> merger.merge(List.of(ref, missing), out, LinearMerge.uniform(2)), "b", 1,
                "tensor 'b' is in " + ref + " but missing from " + missing);
        assertIncompatible(() -> merger.merge(List.of(ref, extra), out, LinearMerge.uniform(2)), "head", 1,
                "tensor 'head' is in " + extra + " but missing from " + ref);
        assertThat(files()).doesNotContain(out).allMatch(p -> p.toString().endsWith(".safetensors"));
    }

    @Test
    void refusesAWrongNumberOfInputsAndInvalidFiles() throws IOException {
        Path a = write("a", Tensor.f32("w", new long[] {1}, new float[] {1}));
        Path broken = Files.write(dir.resolve("broken.safetensors"), new byte[] {1, 2, 3});
        Path out = dir.resolve("out.safetensors");
        assertThatThrownBy(() -> LinearMerge.of(0.5, 0.5).merge(List.of(a), out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("linear merge of 2 checkpoints was given 1");
        assertThatThrownBy(() -> LinearMerge.uniform(3).merge(List.of(a, a, broken), out))
                .isInstanceOfSatisfying(InvalidCheckpointException.class, e -> {
                    assertThat(e.input()).isEqualTo(2);
                    assertThat(e.path()).isEqualTo(broken);
                    assertThat(e).isInstanceOf(SafetensorsFormatException.class).hasCauseInstanceOf(SafetensorsFormatException.class);
                })
                .hasMessageContaining(broken.toString());
        assertThat(files()).containsExactlyInAnyOrder(a, broken);
    }

    @Test
    void reportsProgressAfterEachTensorInOutputOrder() throws IOException {
        Path a = write("a", Tensor.f32("w", new long[] {2, 3}, new float[6]), longs("step", 7),
                Tensor.f32("b", new long[] {3}, new float[3]));
        Path b = write("b", Tensor.f32("w", new long[] {2, 3}, new float[6]), longs("step", 7),
                Tensor.f32("b", new long[] {3}, new float[3]));
        List<String> events = new ArrayList<>();
        new CheckpointMerger(4).merge(List.of(a, b), dir.resolve("m.safetensors"), LinearMerge.uniform(2),
                (tensor, done, total, bytes) -> events.add(tensor + " " + done + "/" + total + " " + bytes));
        // 24 bytes of F32, then 8 of I64, then 12 of F32.
        assertThat(events).containsExactly("w 1/3 24", "step 2/3 32", "b 3/3 44");
    }

    @Test
    void aFailingListenerStopsTheMergeAndNothingIsWritten() throws IOException {
        Path a = write("a", Tensor.f32("w", new long[] {1}, new float[] {1}), Tensor.f32("b", new long[] {1}, new float[] {2}));
        Path out = dir.resolve("m.safetensors");
        assertThatThrownBy(() -> new CheckpointMerger().merge(List.of(a, a), out, LinearMerge.uniform(2),
                (tensor, done, total, bytes) -> {
                    throw new IllegalStateException("client went away after " + tensor);
                })).hasMessage("client went away after w");
        assertThat(files()).containsExactly(a);
    }

    @Test
    void aReadThatFailsOnTheReadingThreadFailsTheMergeAndNothingIsWritten() throws IOException {
        Path a = write("a", Tensor.f32("w", new long[] {1000}, new float[1000]));
        Path b = write("b", Tensor.f32("w", new long[] {1000}, new float[1000]));
        Path out = dir.resolve("m.safetensors");
        // Truncates b once the merge has opened it, so that a later chunk's read hits the end of the file.
        TensorMerge truncating = new TwoInputMerge("truncating", tensor -> {
            try (FileChannel channel = FileChannel.open(b, StandardOpenOption.WRITE)) {
                channel.truncate(Files.size(b) - 2000);
            }
            return (first, inputs, length, merged) -> System.arraycopy(inputs[0], 0, merged, 0, length);
        });

        assertThatThrownBy(() -> new CheckpointMerger(100).merge(List.of(a, b), out, truncating))
                .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("file ended at byte");
        assertThat(files()).containsExactlyInAnyOrder(a, b);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("merge-read") || name.startsWith("merge-write"));
    }

    @Test
    void aCombinerThatFailsMidTensorStopsTheWritingThreadAndNothingIsWritten() throws IOException {
        Path a = write("a", Tensor.f32("w", new long[] {1000}, new float[1000]));
        Path out = dir.resolve("m.safetensors");
        TensorMerge failing = new TwoInputMerge("failing", tensor -> (first, inputs, length, merged) -> {
            if (first == 500) {
                throw new IllegalStateException("no merge for element 500");
            }
            LinearMerge.uniform(2).combine(inputs, length, merged);
        });

        assertThatThrownBy(() -> new CheckpointMerger(100).merge(List.of(a, a), out, failing))
                .isInstanceOf(IllegalStateException.class).hasMessage("no merge for element 500");
        assertThat(files()).containsExactly(a);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("merge-read") || name.startsWith("merge-write"));
    }

    /** A merge of two checkpoints whose combiner a test supplies, per tensor. */
    private record TwoInputMerge(String name, Preparer preparer) implements TensorMerge {

        interface Preparer {
            ChunkCombiner prepare(TensorInfo tensor) throws IOException;
        }

        @Override
        public int arity() {
            return 2;
        }

        @Override
        public Map<String, String> parameters() {
            return Map.of();
        }

        @Override
        public ChunkCombiner prepare(TensorInfo tensor, TensorScan scan) throws IOException {
            return preparer.prepare(tensor);
        }
    }

    @Test
    void mergesShardedInputsIntoShardsAndLeavesNoShardWhenItFails() throws IOException {
        Path a = write("a", Tensor.f32("w", new long[] {4}, new float[] {1, 2, 3, 4}), Tensor.f32("b", new long[] {2}, new float[] {1, 1}));
        Path shardedB = dir.resolve("b.safetensors.index.json");
        try (SafetensorsSink sink = SafetensorsSink.create(shardedB, List.of(new TensorSpec("w", DType.F32, new long[] {4}),
                new TensorSpec("b", DType.F32, new long[] {2})), Map.of(), 16)) {
            sink.writeFloats("w", new float[] {3, 4, 5, 6}, 0, 4);
            sink.writeFloats("b", new float[] {3, -1}, 0, 2);
        }
        Path out = dir.resolve("merged.safetensors.index.json");
        MergeResult result = new CheckpointMerger(3, 16).merge(List.of(a, shardedB), out, LinearMerge.uniform(2));
        try (SafetensorsReader merged = SafetensorsReader.open(out)) {
            float[] w = new float[4];
            merged.readFloats("w", 0, w, 0, 4);
            assertThat(w).containsExactly(2, 3, 4, 5);
            float[] b = new float[2];
            merged.readFloats("b", 0, b, 0, 2);
            assertThat(b).containsExactly(2, 0);
            List<Path> shards = ((ShardedSafetensors) merged).shards();
            assertThat(shards).extracting(p -> p.getFileName().toString())
                    .containsExactly("merged-00001-of-00002.safetensors", "merged-00002-of-00002.safetensors");
            assertThat(result.bytes()).isEqualTo(Files.size(out) + Files.size(shards.get(0)) + Files.size(shards.get(1)));
        }

        // The second shard's tensor differs in shape: the first shard was already committed, and is removed.
        Path c = write("c", Tensor.f32("w", new long[] {4}, new float[4]), Tensor.f32("b", new long[] {1, 2}, new float[2]));
        List<Path> before = files();
        Path failed = dir.resolve("failed.safetensors.index.json");
        assertThatThrownBy(() -> new CheckpointMerger(3, 16).merge(List.of(a, c), failed, LinearMerge.uniform(2)))
                .isInstanceOf(IncompatibleCheckpointsException.class);
        assertThat(files()).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void aBaseThatDiffersIsInputZeroAndIsRecordedApart() throws IOException {
        Path base = write("base", Tensor.f32("w", new long[] {2}, new float[] {0, 0}));
        Path t = write("t", Tensor.f32("w", new long[] {2}, new float[] {1, 2}));
        Path wide = write("wide", Tensor.f32("w", new long[] {3}, new float[3]));
        Path out = dir.resolve("out.safetensors");
        assertIncompatible(() -> new CheckpointMerger().merge(List.of(wide, t), out, TaskArithmeticMerge.of(1)), "w", 1,
                "tensor 'w' has shape [3] in " + wide + " but [2] in " + t);
        new CheckpointMerger().merge(List.of(base, t), out, TaskArithmeticMerge.of(1));
        try (SafetensorsFile merged = SafetensorsFile.open(out)) {
            assertThat(merged.metadata()).containsEntry("optimesh.merge.base", base.toUri().toString());
        }
    }

    private void assertIncompatible(org.assertj.core.api.ThrowableAssert.ThrowingCallable merge, String tensor, int input,
            String message) {
        assertThatThrownBy(merge)
                .isInstanceOfSatisfying(IncompatibleCheckpointsException.class, e -> {
                    assertThat(e.tensor()).isEqualTo(tensor);
                    assertThat(e.input()).isEqualTo(input);
                })
                .hasMessage(message);
    }

    private Path write(String name, Tensor... tensors) throws IOException {
        Path path = dir.resolve(name + ".safetensors");
        SafetensorsWriter.write(path, List.of(tensors), Map.of());
        return path;
    }

    private static Tensor longs(String name, long... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        return new Tensor(name, DType.I64, new long[] {values.length}, buf.flip());
    }

    private static void writeHalves(Path path, float[] bf16, float[] f16) throws IOException {
        try (SafetensorsWriter w = SafetensorsWriter.create(path, List.of(
                new TensorSpec("bf", DType.BF16, new long[] {bf16.length}),
                new TensorSpec("h", DType.F16, new long[] {f16.length})), Map.of())) {
            w.writeFloats("bf", bf16, 0, bf16.length);
            w.writeFloats("h", f16, 0, f16.length);
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
