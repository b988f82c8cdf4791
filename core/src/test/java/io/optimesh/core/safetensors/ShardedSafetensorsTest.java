package io.optimesh.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {

    @TempDir
    Path dir;

    /** a: 16 bytes, b: 8 bytes, c: 24 bytes, d: 4 bytes. */
    private static List<TensorSpec> specs() {
        return List.of(new TensorSpec("a", DType.F32, new long[] {2, 2}), new TensorSpec("b", DType.F64, new long[] {1}),
                new TensorSpec("c", DType.F32, new long[] {6}), new TensorSpec("d", DType.I32, new long[] {1}));
    }

    private Path writeSharded(long maxShardBytes) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        try (SafetensorsSink sink = SafetensorsSink.create(index, specs(), Map.of("format", "pt"), maxShardBytes)) {
            sink.writeFloats("a", new float[] {1, 2, 3, 4}, 0, 4);
            sink.writeDoubles("b", new double[] {Math.PI}, 0, 1);
            sink.writeFloats("c", new float[] {5, 6, 7}, 0, 3); // in two chunks
            sink.writeFloats("c", new float[] {8, 9, 10}, 0, 3);
            sink.write("d", java.nio.ByteBuffer.wrap(new byte[] {7, 0, 0, 0}));
        }
        return index;
    }

    @Test
    void packsTensorsGreedilyIntoShardsAndReadsThemBack() throws IOException {
        // 24 bytes a shard: [a 16 + b 8], [c 24], [d 4]; c alone fills one, so d starts a third.
        Path index = writeSharded(24);

        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).sorted()).containsExactly(
                "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json");
        JsonNode json = new JsonMapper().readTree(index.toFile());
        assertThat(json.at("/metadata/total_size").longValue()).isEqualTo(16 + 8 + 24 + 4);
        assertThat(json.at("/metadata/format").textValue()).isEqualTo("pt");
        assertThat(json.at("/weight_map/a").textValue()).isEqualTo("model-00001-of-00003.safetensors");
        assertThat(json.at("/weight_map/b").textValue()).isEqualTo("model-00001-of-00003.safetensors");
        assertThat(json.at("/weight_map/c").textValue()).isEqualTo("model-00002-of-00003.safetensors");
        assertThat(json.at("/weight_map/d").textValue()).isEqualTo("model-00003-of-00003.safetensors");

        try (SafetensorsReader r = SafetensorsReader.open(index)) {
            assertThat(r).isInstanceOf(ShardedSafetensors.class);
            assertThat(((ShardedSafetensors) r).totalSize()).hasValue(52);
            assertThat(r.tensors()).extracting(TensorInfo::name).containsExactly("a", "b", "c", "d");
            assertThat(r.metadata()).containsExactly(Map.entry("format", "pt"));
            float[] c = new float[2];
            r.readFloats("c", 4, c, 0, 2);
            assertThat(c).containsExactly(9, 10);
            double[] b = new double[1];
            r.readDoubles("b", 0, b, 0, 1);
            assertThat(b).containsExactly(Math.PI);
            assertThat(r.read("d", 0, 4).getInt()).isEqualTo(7);
            assertThat(r.info("c").begin()).isZero(); // offsets within its own shard
        }
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00002-of-00003.safetensors"))) {
            assertThat(shard.tensors()).extracting(TensorInfo::name).containsExactly("c");
            assertThat(shard.metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void aShardLimitAboveTheModelGivesOneShard() throws IOException {
        Path index = writeSharded(ShardedSafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        assertThat(Files.exists(dir.resolve("model-00001-of-00001.safetensors"))).isTrue();
        try (SafetensorsReader r = SafetensorsReader.open(index)) {
            assertThat(((ShardedSafetensors) r).shards()).hasSize(1);
        }
    }

    @Test
    void anIncompleteWriteLeavesNoShardAndNoIndex() throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        SafetensorsSink sink = SafetensorsSink.create(index, specs(), Map.of(), 24);
        sink.writeFloats("a", new float[] {1, 2, 3, 4}, 0, 4);
        sink.writeDoubles("b", new double[] {1}, 0, 1);
        sink.writeFloats("c", new float[] {1, 2, 3, 4, 5, 6}, 0, 6); // the first shard is committed by now
        assertThatThrownBy(sink::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("'d'");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void neverOverwritesAnExistingShard() throws IOException {
        Files.writeString(dir.resolve("model-00002-of-00003.safetensors"), "someone else's");
        assertThatThrownBy(() -> writeSharded(24)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("model-00002-of-00003.safetensors");
        assertThat(Files.readString(dir.resolve("model-00002-of-00003.safetensors"))).isEqualTo("someone else's");
    }

    @Test
    void refusesIndexesThatDisagreeWithTheirShards() throws IOException {
        SafetensorsWriter.write(dir.resolve("s1.safetensors"), List.of(Tensor.f32("x", new long[] {1}, new float[] {1}),
                Tensor.f32("y", new long[] {1}, new float[] {2})), Map.of());
        assertMalformed("{\"weight_map\": {\"x\": \"s1.safetensors\"}}", "holds tensor 'y', which the weight map does not list");
        assertMalformed("{\"weight_map\": {\"x\": \"s1.safetensors\", \"y\": \"s1.safetensors\", \"z\": \"s1.safetensors\"}}",
                "maps tensor 'z' to s1.safetensors, which does not hold it");
        assertMalformed("{\"weight_map\": {\"x\": \"s2.safetensors\"}}", "shard s2.safetensors is missing");
        assertMalformed("{\"weight_map\": {\"x\": \"../s1.safetensors\"}}", "not a file name in the index's directory");
        assertMalformed("{\"weight_map\": {\"x\": 3}}", "maps to NUMBER");
        assertMalformed("{\"metadata\": {\"total_size\": -1}, \"weight_map\": {}}", "total_size");
        assertMalformed("{\"weight_map\": {\"x\": \"s1.safetensors\", \"x\": \"s1.safetensors\"}}", "not valid JSON");
        assertMalformed("{\"weight_map\": {", "not valid JSON");
        assertMalformed("[]", "not a JSON object");
        assertMalformed("{}", "\"weight_map\" is missing");
        // Found by the fuzzer: a name no file system allows failed with a FileSystemException.
        assertMalformed("{\"weight_map\": {\"x\": \"" + "s".repeat(256) + "\"}}", "shard name of 256 bytes");
        assertMalformed("{\"weight_map\": {\"x\": \"s\\u0001.safetensors\"}}", "not a file name");
        Path latin1 = dir.resolve("latin1.safetensors.index.json");
        Files.write(latin1, "{\"weight_map\": {\"\u00e9\": \"s1.safetensors\"}}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> SafetensorsReader.open(latin1).close()).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("not valid UTF-8");
    }

    private void assertMalformed(String index, String message) throws IOException {
        Path path = dir.resolve("bad.safetensors.index.json");
        Files.writeString(path, index);
        assertThatThrownBy(() -> SafetensorsReader.open(path).close()).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining(message);
    }

    @Test
    void openDispatchesOnTheName() throws IOException {
        Path single = dir.resolve("one.safetensors");
        SafetensorsWriter.write(single, List.of(Tensor.f32("x", new long[] {1}, new float[] {1})), Map.of());
        try (SafetensorsReader r = SafetensorsReader.open(single)) {
            assertThat(r).isInstanceOf(SafetensorsFile.class);
        }
        assertThatThrownBy(() -> SafetensorsSink.create(single.resolveSibling("two.safetensors"), List.of(), Map.of(), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".index.json");
        assertThatThrownBy(() -> SafetensorsSink.create(dir.resolve("x.index.json"), List.of(), Map.of(), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<stem>.safetensors.index.json");
    }
}
