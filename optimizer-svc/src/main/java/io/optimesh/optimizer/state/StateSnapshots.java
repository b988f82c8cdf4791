package io.optimesh.optimizer.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.optimesh.core.optim.Algorithm;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.TensorInfo;
import io.optimesh.core.safetensors.TensorSpec;
import io.optimesh.v1.OptimizerSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Snapshots of a state as one safetensors file: {@code param/NAME} holds a parameter's fp32 values
 * (in its shape, so the file also reads as a weights file) and {@code state/K/NAME} its K-th state
 * array; {@code __metadata__} holds the algorithm, hyper-parameters, weight decay, step, shard and
 * each tensor's group and step count. Floats are stored as they are held and doubles in their
 * shortest round-tripping decimal form, so a restored state's next updates are bit-identical.
 * The file appears atomically (temp file + rename, by SafetensorsWriter).
 */
final class StateSnapshots {

    static final String FORMAT = "optimesh.optimizer-state.v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private StateSnapshots() {}

    /** Writes {@code state} as it is between steps; returns the step written. */
    static long write(HeldState state, Path target) throws IOException {
        synchronized (state) {
            List<TensorSpec> specs = new ArrayList<>();
            ArrayNode tensors = JSON.createArrayNode();
            for (HeldTensor t : state.tensors()) {
                specs.add(new TensorSpec("param/" + t.name, DType.F32, longs(t.shape)));
                for (int k = 0; k < t.state.length; k++) {
                    specs.add(new TensorSpec("state/" + k + "/" + t.name, DType.F32, new long[] {t.state[k].length}));
                }
                ObjectNode node = tensors.addObject();
                node.put("name", t.name);
                node.put("decay", t.decay);
                node.put("steps", t.steps);
                node.put("state_arrays", t.state.length);
            }
            ObjectNode hyperparameters = JSON.createObjectNode();
            state.spec().getHyperparametersMap().forEach(hyperparameters::put);
            Map<String, String> metadata = Map.of(
                    "format", FORMAT,
                    "algorithm", state.spec().getAlgorithm(),
                    "hyperparameters", hyperparameters.toString(),
                    "weight_decay", Double.toString(state.spec().getWeightDecay()),
                    "step", Long.toString(state.step()),
                    "shard_index", Integer.toString(state.shardIndex()),
                    "shard_count", Integer.toString(state.shardCount()),
                    "tensors", tensors.toString());
            try (SafetensorsWriter writer = SafetensorsWriter.create(target, specs, metadata)) {
                for (HeldTensor t : state.tensors()) {
                    writer.writeFloats("param/" + t.name, t.parameters, 0, t.parameters.length);
                    for (int k = 0; k < t.state.length; k++) {
                        writer.writeFloats("state/" + k + "/" + t.name, t.state[k], 0, t.state[k].length);
                    }
                }
            }
            return state.step();
        }
    }

    /** Reads a snapshot into a new state {@code id} held by {@code store}. */
    static HeldState read(Path source, String id, StateStore store, String requestId) throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(source)) {
            Map<String, String> metadata = file.metadata();
            if (!FORMAT.equals(metadata.get("format"))) {
                throw StateException.invalid("snapshot_uri",
                        source + " is not an optimizer state snapshot (format " + metadata.get("format") + ")");
            }
            OptimizerSpec.Builder spec = OptimizerSpec.newBuilder()
                    .setAlgorithm(metadata.get("algorithm"))
                    .setWeightDecay(Double.parseDouble(metadata.get("weight_decay")));
            Iterator<Map.Entry<String, JsonNode>> h = JSON.readTree(metadata.get("hyperparameters")).fields();
            while (h.hasNext()) {
                Map.Entry<String, JsonNode> e = h.next();
                spec.putHyperparameters(e.getKey(), e.getValue().doubleValue());
            }
            List<StateException.Violation> violations = new ArrayList<>();
            Algorithm algorithm = StateStore.algorithm(spec.build(), violations);
            UpdateRule rule = StateStore.configure(algorithm, spec.build(), violations);
            if (!violations.isEmpty()) {
                throw StateException.invalid("snapshot_uri", source + ": " + violations);
            }
            JsonNode tensors = JSON.readTree(metadata.get("tensors"));
            long bytes = 0;
            for (JsonNode node : tensors) {
                TensorInfo info = file.info("param/" + node.get("name").asText());
                int[] shape = ints(info.shape());
                bytes += (Math.toIntExact(info.elementCount()) + algorithm.stateFloats(shape)) * (long) Float.BYTES;
            }
            String name = StateStore.COLLECTION + id;
            store.reserve(bytes, name);
            try {
                List<HeldTensor> held = new ArrayList<>();
                for (JsonNode node : tensors) {
                    String tensorName = node.get("name").asText();
                    TensorInfo info = file.info("param/" + tensorName);
                    int[] shape = ints(info.shape());
                    float[][] state = algorithm.newState(shape);
                    if (state.length != node.get("state_arrays").asInt()) {
                        throw StateException.invalid("snapshot_uri", source + ": '" + tensorName + "' has "
                                + node.get("state_arrays").asInt() + " state arrays, " + algorithm.name()
                                + " keeps " + state.length);
                    }
                    for (int k = 0; k < state.length; k++) {
                        String key = "state/" + k + "/" + tensorName;
                        if (file.info(key).elementCount() != state[k].length) {
                            throw StateException.invalid("snapshot_uri", source + ": " + key + " holds "
                                    + file.info(key).elementCount() + " values, expected " + state[k].length);
                        }
                        file.readFloats(key, 0, state[k], 0, state[k].length);
                    }
                    held.add(new HeldTensor(tensorName, shape, node.get("decay").asBoolean(),
                            file.readFloats("param/" + tensorName), state, node.get("steps").asLong()));
                }
                HeldState restored = new HeldState(id, algorithm, spec.build(), rule, held,
                        Long.parseLong(metadata.get("step")), Integer.parseInt(metadata.get("shard_index")),
                        Integer.parseInt(metadata.get("shard_count")), Instant.now());
                return store.put(restored, bytes, requestId);
            } catch (IOException | RuntimeException | Error e) {
                store.release(bytes);
                throw e;
            }
        }
    }

    private static long[] longs(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }

    private static int[] ints(long[] shape) {
        int[] dims = new int[shape.length];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = Math.toIntExact(shape[d]);
        }
        return dims;
    }
}
