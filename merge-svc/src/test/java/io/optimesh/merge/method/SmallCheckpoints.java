package io.optimesh.merge.method;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small F64 checkpoints for the method tests (F64 so hand-computed values compare exactly), merged through
 * {@link CheckpointMerger} once with one-element chunks (every scan and combine crosses chunk boundaries) and
 * once with the default chunk; both must give the same bytes.
 */
final class SmallCheckpoints {

    private final Path dir;
    private int files;

    SmallCheckpoints(Path dir) {
        this.dir = dir;
    }

    /** A checkpoint of 1-D F64 tensors {@code name -> values}, alternating names and arrays. */
    Path write(Object... namesAndValues) throws IOException {
        Path path = dir.resolve("ckpt-" + files++ + ".safetensors");
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            specs.add(new TensorSpec((String) namesAndValues[i], DType.F64, new long[] {((double[]) namesAndValues[i + 1]).length}));
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(path, specs, Map.of())) {
            for (int i = 0; i < namesAndValues.length; i += 2) {
                double[] v = (double[]) namesAndValues[i + 1];
                w.writeDoubles((String) namesAndValues[i], v, 0, v.length);
            }
        }
        return path;
    }

    /** The merge's tensors, by name, after checking that chunked and whole merges agree byte for byte. */
    Map<String, double[]> merge(TensorMerge method, Path... inputs) throws IOException {
        Path chunked = dir.resolve("merged-" + files++ + ".safetensors");
        Path whole = dir.resolve("merged-" + files++ + ".safetensors");
        new CheckpointMerger(1).merge(List.of(inputs), chunked, method);
        new CheckpointMerger().merge(List.of(inputs), whole, method);
        assertThat(Files.readAllBytes(chunked)).isEqualTo(Files.readAllBytes(whole));
        Map<String, double[]> tensors = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(whole)) {
            for (var t : f.tensors()) {
                tensors.put(t.name(), f.readDoubles(t.name()));
            }
        }
        return tensors;
    }

    static double[] v(double... values) {
        return values;
    }
}
