package io.optimesh.optimizer.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.optimesh.core.optim.Adam;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.core.optim.remote.FloatTensors;
import io.optimesh.core.optim.remote.ParameterSharding;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.CreateOptimizerStateRequest;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ParameterGroup;
import io.optimesh.v1.ParameterSpec;
import io.optimesh.v1.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

    private static final long MiB = 1 << 20;

    @TempDir
    Path dir;

    private static float[] gaussian(Random random, int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    private static ParameterSpec parameter(String name, int[] shape, boolean decay, float[] values) {
        ParameterSpec.Builder p = ParameterSpec.newBuilder()
                .setName(name)
                .setGroup(decay ? ParameterGroup.PARAMETER_GROUP_DECAY : ParameterGroup.PARAMETER_GROUP_NO_DECAY)
                .setInitialValue(FloatTensors.encode(name, shape, values));
        for (int d : shape) {
            p.addShape(d);
        }
        return p.build();
    }

    private static OptimizerSpec adamw() {
        return OptimizerSpec.newBuilder().setAlgorithm("adamw").putHyperparameters("beta2", 0.95).setWeightDecay(0.1).build();
    }

    /** w [3, 4] decayed, b [4] not. */
    private static CreateOptimizerStateRequest twoTensors(String id) {
        Random random = new Random(1);
        return CreateOptimizerStateRequest.newBuilder()
                .setStateId(id)
                .setOptimizer(adamw())
                .addParameters(parameter("w", new int[] {3, 4}, true, gaussian(random, 12, 1f)))
                .addParameters(parameter("b", new int[] {4}, false, gaussian(random, 4, 1f)))
                .build();
    }

    private static PendingStep step(HeldState state, long number, double lr, Map<String, float[]> gradients) {
        PendingStep pending = state.beginStep();
        List<Tensor> tensors = new ArrayList<>();
        gradients.forEach((name, g) -> tensors.add(FloatTensors.encode(name, new int[] {g.length}, g)));
        pending.add(number, lr, tensors);
        return pending;
    }

    private static Map<String, float[]> values(HeldState.StepResult result) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (Tensor t : result.tensors()) {
            out.put(t.getName(), FloatTensors.decode(t));
        }
        return out;
    }

    @Test
    void stepsMatchTheSharedRuleBitForBitAndReportTheirMemory() {
        StateStore store = new StateStore(MiB, dir, 2);
        HeldState state = store.create(twoTensors("s1"));
        // 16 parameters, 32 moments.
        assertThat(state.memoryBytes()).isEqualTo(48 * 4);
        assertThat(store.heldBytes()).isEqualTo(48 * 4);
        assertThat(state.describe().getMemoryBytes()).isEqualTo(192);
        assertThat(state.describe().getParameterCount()).isEqualTo(16);

        Random random = new Random(2);
        float[] w = FloatTensors.decode(twoTensors("x").getParameters(0).getInitialValue());
        float[] b = FloatTensors.decode(twoTensors("x").getParameters(1).getInitialValue());
        float[][] sw = Adam.adamW().newState(new int[] {3, 4});
        float[][] sb = Adam.adamW().newState(new int[] {4});
        UpdateRule rule = Adam.adamW().configure(Map.of("beta2", 0.95));
        long bSteps = 0;
        for (int s = 1; s <= 4; s++) {
            float[] gw = gaussian(random, 12, 0.1f);
            float[] gb = gaussian(random, 4, 0.1f);
            Map<String, float[]> gradients = new java.util.LinkedHashMap<>();
            gradients.put("w", gw);
            // b misses step 2: its own count lags, as PyTorch's per-parameter step does.
            if (s != 2) {
                gradients.put("b", gb);
            }
            HeldState.StepResult result = store.apply(step(state, s, 1e-2 * s, gradients), false);
            rule.apply(w, gw, new int[] {3, 4}, sw, s, 1e-2 * s, 0.1);
            if (s != 2) {
                rule.apply(b, gb, new int[] {4}, sb, ++bSteps, 1e-2 * s, 0.0);
            }
            assertThat(result.step()).isEqualTo(s);
            assertThat(values(result).get("w")).containsExactly(w);
            if (s != 2) {
                assertThat(values(result).get("b")).containsExactly(b);
            } else {
                assertThat(values(result)).doesNotContainKey("b");
            }
        }
        assertThat(state.tensor("b").steps).isEqualTo(3);
        assertThat(state.tensor("w").steps).isEqualTo(4);
        assertThat(state.step()).isEqualTo(4);
    }

    @Test
    void deltasAndTheUpdateNormDescribeTheChange() {
        StateStore store = new StateStore(MiB, dir, 1);
        HeldState state = store.create(twoTensors("s1"));
        float[] before = state.tensor("w").parameters.clone();
        HeldState.StepResult result = store.apply(step(state, 0, 0.5, Map.of("w", new float[12])), true);
        float[] delta = values(result).get("w");
        double squares = 0;
        for (int i = 0; i < 12; i++) {
            // A zero gradient leaves only weight decay: p (1 - lr wd) - p.
            assertThat(delta[i]).isEqualTo(before[i] * (float) (1 - 0.5 * 0.1) - before[i]);
            squares += (double) delta[i] * delta[i];
        }
        assertThat(result.updateNorm()).isEqualTo(Math.sqrt(squares));
    }

    @Test
    void aReplayedOrSkippedStepIsRefused() {
        StateStore store = new StateStore(MiB, dir, 1);
        HeldState state = store.create(twoTensors("s1"));
        store.apply(step(state, 1, 0.1, Map.of("b", new float[4])), false);
        for (long wrong : new long[] {1, 3}) {
            StateException e = catchThrowableOfType(StateException.class,
                    () -> store.apply(step(state, wrong, 0.1, Map.of("b", new float[4])), false));
            assertThat(e.kind()).isEqualTo(StateException.Kind.STEP_OUT_OF_ORDER);
            assertThat(e.metadata()).containsEntry("expected_step", "2");
        }
        assertThat(state.step()).isEqualTo(1);
    }

    @Test
    void badGradientsAreRefusedWithTheirFields() {
        StateStore store = new StateStore(MiB, dir, 1);
        HeldState state = store.create(twoTensors("s1"));
        PendingStep pending = state.beginStep();
        StateException e = catchThrowableOfType(StateException.class, () -> pending.add(1, 0.1, List.of(
                FloatTensors.encode("nope", new int[] {4}, new float[4]),
                FloatTensors.encode("w", new int[] {4, 3}, new float[12]),
                FloatTensors.encode("b", new int[] {5}, new float[5]))));
        assertThat(e.kind()).isEqualTo(StateException.Kind.INVALID);
        assertThat(e.violations()).extracting(StateException.Violation::field)
                .containsExactly("gradients[0].name", "gradients[1].shape", "gradients[2].shape");
        // The flattened shape is accepted; a second gradient of the same tensor is not.
        pending.add(1, 0.1, List.of(FloatTensors.encode("w", new int[] {12}, new float[12])));
        StateException twice = catchThrowableOfType(StateException.class,
                () -> pending.add(1, 0.1, List.of(FloatTensors.encode("w", new int[] {3, 4}, new float[12]))));
        assertThat(twice.violations()).extracting(StateException.Violation::field).containsExactly("gradients[0].name");
    }

    @Test
    void refusesBadRequestsWithEveryViolation() {
        StateStore store = new StateStore(MiB, dir, 1);
        CreateOptimizerStateRequest bad = twoTensors("s1").toBuilder()
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamz").setGradientClipNorm(1))
                .setParameters(1, parameter("b", new int[] {4}, false, new float[4]).toBuilder().setShape(0, 2))
                .addParameters(parameter("w", new int[] {2}, true, new float[2]))
                .build();
        StateException e = catchThrowableOfType(StateException.class, () -> store.create(bad));
        assertThat(e.kind()).isEqualTo(StateException.Kind.INVALID);
        assertThat(e.violations()).extracting(StateException.Violation::field).containsExactly(
                "optimizer.algorithm", "optimizer.gradient_clip_norm",
                "parameters[1].initial_value.shape", "parameters[2].name");
        assertThat(e.violations().get(0).description()).contains("unknown algorithm 'adamz'");

        StateException range = catchThrowableOfType(StateException.class, () -> store.create(twoTensors("s2").toBuilder()
                .setOptimizer(adamw().toBuilder().putHyperparameters("beta1", 1.5)).build()));
        assertThat(range.violations()).extracting(StateException.Violation::field).containsExactly("optimizer.hyperparameters");
        assertThat(store.heldBytes()).isZero();
    }

    @Test
    void refusesAStateOverTheMemoryLimitBeforeAllocatingIt() {
        StateStore store = new StateStore(4 * MiB, dir, 1);
        store.create(twoTensors("small"));
        // 256K parameters of AdamW take 3 MiB: one fits under 4 MiB, a second does not.
        int n = 256 * 1024;
        CreateOptimizerStateRequest big = CreateOptimizerStateRequest.newBuilder()
                .setStateId("big").setOptimizer(adamw())
                .addParameters(parameter("e", new int[] {n}, false, new float[n])).build();
        HeldState first = store.create(big);
        assertThat(first.memoryBytes()).isEqualTo(3L * n * 4);
        long held = store.heldBytes();
        StateException e = catchThrowableOfType(StateException.class,
                () -> store.create(big.toBuilder().setStateId("big2").build()));
        assertThat(e.kind()).isEqualTo(StateException.Kind.MEMORY_LIMIT);
        assertThat(e.metadata()).containsEntry("requested_bytes", Long.toString(3L * n * 4))
                .containsEntry("held_bytes", Long.toString(held))
                .containsEntry("limit_bytes", Long.toString(4 * MiB));
        assertThat(store.heldBytes()).isEqualTo(held);
        store.delete(first.name());
        assertThat(store.heldBytes()).isEqualTo(held - 3L * n * 4);
        assertThat(store.create(big.toBuilder().setStateId("big2").build()).memoryBytes()).isEqualTo(3L * n * 4);
    }

    @Test
    void createIsIdempotentOnRequestIdAndNamesAreUnique() {
        StateStore store = new StateStore(MiB, dir, 1);
        HeldState a = store.create(twoTensors("").toBuilder().setRequestId("r1").build());
        assertThat(a.id()).matches("[a-z0-9]{32}");
        assertThat(store.create(twoTensors("").toBuilder().setRequestId("r1").build())).isSameAs(a);
        assertThat(store.heldBytes()).isEqualTo(a.memoryBytes());
        store.create(twoTensors("named"));
        StateException e = catchThrowableOfType(StateException.class, () -> store.create(twoTensors("named")));
        assertThat(e.kind()).isEqualTo(StateException.Kind.ALREADY_EXISTS);
        assertThat(catchThrowableOfType(StateException.class, () -> store.get("optimizerStates/none")).kind())
                .isEqualTo(StateException.Kind.NOT_FOUND);
    }

    @Test
    void listsPageByPageInIdOrder() {
        StateStore store = new StateStore(MiB, dir, 1);
        for (String id : List.of("c", "a", "e", "b", "d")) {
            store.create(twoTensors(id));
        }
        List<String> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            StateStore.Page page = store.list(2, token);
            page.states().forEach(s -> seen.add(s.id()));
            token = page.nextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertThat(seen).containsExactly("a", "b", "c", "d", "e");
        assertThat(pages).isEqualTo(3);
        assertThat(store.list(5, "").nextPageToken()).isEmpty();
        assertThat(catchThrowableOfType(StateException.class, () -> store.list(2, "bogus")).violations())
                .extracting(StateException.Violation::field).containsExactly("page_token");
    }

    @Test
    void refusesParametersOfAnotherShard() {
        StateStore store = new StateStore(MiB, dir, 1);
        int shardOfW = ParameterSharding.shardOf("w", 2);
        CreateOptimizerStateRequest request = twoTensors("s").toBuilder().removeParameters(1)
                .setShardCount(2).setShardIndex(1 - shardOfW).build();
        StateException e = catchThrowableOfType(StateException.class, () -> store.create(request));
        assertThat(e.violations()).extracting(StateException.Violation::field).containsExactly("parameters[0].name");
        HeldState held = store.create(request.toBuilder().setShardIndex(shardOfW).build());
        assertThat(held.describe().getShardIndex()).isEqualTo(shardOfW);
        assertThat(held.describe().getShardCount()).isEqualTo(2);
    }

    @Test
    void aRestoredStateGivesBitIdenticalNextUpdates() throws Exception {
        StateStore store = new StateStore(MiB, dir.resolve("a"), 2);
        HeldState state = store.create(twoTensors("s1"));
        Random random = new Random(3);
        for (int s = 1; s <= 3; s++) {
            Map<String, float[]> g = new java.util.LinkedHashMap<>();
            g.put("w", gaussian(random, 12, 0.1f));
            if (s != 2) {
                g.put("b", gaussian(random, 4, 0.1f));
            }
            store.apply(step(state, s, 1e-2, g), false);
        }
        CheckpointRef snapshot = store.snapshot(state.name(), "");
        assertThat(snapshot.getStep()).isEqualTo(3);
        assertThat(snapshot.getUri()).startsWith("file:/").endsWith("/s1/step-000000003.safetensors");
        Path file = Path.of(java.net.URI.create(snapshot.getUri()));
        assertThat(snapshot.getSizeBytes()).isEqualTo(java.nio.file.Files.size(file));
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            // Readable as a weights file: the parameters in their shapes.
            assertThat(read.info("param/w").shape()).containsExactly(3, 4);
            assertThat(read.readFloats("param/w")).containsExactly(state.tensor("w").parameters);
            assertThat(read.metadata()).containsEntry("algorithm", "adamw").containsEntry("step", "3");
        }

        // A fresh store, as a new process would have.
        StateStore fresh = new StateStore(MiB, dir.resolve("b"), 1);
        HeldState restored = fresh.restore(snapshot.getUri(), "again", "");
        assertThat(restored.describe().toBuilder().clearName().clearCreateTime().clearUpdateTime().build())
                .isEqualTo(state.describe().toBuilder().clearName().clearCreateTime().clearUpdateTime().build());
        assertThat(fresh.heldBytes()).isEqualTo(state.memoryBytes());
        for (int s = 4; s <= 6; s++) {
            Map<String, float[]> g = new java.util.LinkedHashMap<>();
            g.put("w", gaussian(random, 12, 0.1f));
            g.put("b", gaussian(random, 4, 0.1f));
            Map<String, float[]> original = values(store.apply(step(state, s, 3e-3, g), false));
            Map<String, float[]> again = values(fresh.apply(step(restored, s, 3e-3, g), false));
            assertThat(again.get("w")).containsExactly(original.get("w"));
            assertThat(again.get("b")).containsExactly(original.get("b"));
        }
        for (String name : List.of("w", "b")) {
            for (int k = 0; k < 2; k++) {
                assertThat(restored.tensor(name).state[k]).containsExactly(state.tensor(name).state[k]);
            }
            assertThat(restored.tensor(name).steps).isEqualTo(state.tensor(name).steps);
        }
    }

    @Test
    void restoreRefusesWhatIsNotASnapshot() {
        StateStore store = new StateStore(MiB, dir, 1);
        assertThat(catchThrowableOfType(StateException.class, () -> store.restore("relative.safetensors", "", ""))
                .violations()).extracting(StateException.Violation::field).containsExactly("snapshot_uri");
        assertThat(catchThrowableOfType(StateException.class,
                () -> store.restore(dir.resolve("missing.safetensors").toString(), "", "")).violations())
                .extracting(StateException.Violation::description).first().asString().startsWith("no snapshot at");
    }

    @Test
    void snapshotsUnderTheSnapshotDirectoryAreDeletedAndNothingElse() throws Exception {
        StateStore store = new StateStore(MiB, dir.resolve("snapshots"), 1);
        HeldState state = store.create(twoTensors("s2"));
        store.apply(step(state, 1, 1e-2, Map.of("w", new float[12], "b", new float[4])), false);
        Path first = Path.of(java.net.URI.create(store.snapshot(state.name(), "").getUri()));
        store.apply(step(state, 2, 1e-2, Map.of("w", new float[12], "b", new float[4])), false);
        Path second = Path.of(java.net.URI.create(store.snapshot(state.name(), "").getUri()));

        assertThat(store.deleteSnapshot(first.toUri().toString())).isTrue();
        assertThat(first).doesNotExist();
        assertThat(second).isRegularFile();
        assertThat(store.deleteSnapshot(first.toUri().toString())).as("already gone").isFalse();
        assertThat(store.deleteSnapshot(second.toString())).isTrue();
        assertThat(second.getParent()).as("the state's emptied folder").doesNotExist();

        Path elsewhere = java.nio.file.Files.createFile(dir.resolve("weights.safetensors"));
        for (String outside : List.of(elsewhere.toString(), dir.resolve("snapshots/../weights.safetensors").toString())) {
            assertThat(catchThrowableOfType(StateException.class, () -> store.deleteSnapshot(outside)).violations())
                    .extracting(StateException.Violation::field).containsExactly("snapshot_uri");
        }
        assertThat(elsewhere).isRegularFile();
    }
}
