package io.optimesh.merge.api;

import static io.optimesh.merge.api.GrpcErrorDetails.errorInfo;
import static io.optimesh.merge.api.GrpcErrorDetails.violationReasons;
import static io.optimesh.merge.api.GrpcErrorDetails.violations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ResourceInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.merge.method.AdjacentMerge;
import io.optimesh.merge.method.LinearMerge;
import io.optimesh.merge.method.ModelStockMerge;
import io.optimesh.merge.method.SlerpMerge;
import io.optimesh.merge.method.TiesMerge;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.MergeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeRequestsTest {

    @TempDir
    Path dir;

    private Path a;
    private Path b;
    private Path base;
    private Path out;

    @BeforeEach
    void files() throws IOException {
        // Only existence matters here; CheckpointMerger reads the contents.
        a = Files.writeString(dir.resolve("a.safetensors"), "a");
        b = Files.writeString(dir.resolve("b.safetensors"), "b");
        base = Files.writeString(dir.resolve("base.safetensors"), "base");
        out = dir.resolve("merges");
    }

    @Test
    void aLinearMergeNormalisesItsWeightsOrAveragesWithoutThem() {
        MergePlan plan = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(1.0, 3.0),
                a.toUri().toString(), b.toString()).setRequestId("r-1").build(), out);
        assertThat(plan.inputs()).containsExactly(a, b);
        assertThat(plan.output()).isEqualTo(out.resolve("r-1.safetensors"));
        assertThat(plan.weights()).containsExactly(0.25, 0.75);
        assertThat(((LinearMerge) plan.method()).weights()).containsExactly(0.25, 0.75);

        MergePlan average = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString(),
                b.toString(), a.toString(), b.toString()).build(), out);
        assertThat(average.weights()).containsExactly(0.25, 0.25, 0.25, 0.25);
        // No request id: a fresh name under the checkpoint directory.
        assertThat(average.output().getParent()).isEqualTo(out);
        assertThat(average.output().getFileName().toString()).matches("[0-9a-f-]{36}\\.safetensors");
    }

    @Test
    void anAdjacentMergeTakesTwoInputsAndOneLambda() {
        MergePlan plan = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_ADJACENT, List.of(0.8), a.toString(), b.toString())
                .setOutputUri(dir.resolve("m.safetensors").toUri().toString()).build(), out);
        assertThat(plan.output()).isEqualTo(dir.resolve("m.safetensors"));
        assertThat(plan.weights()).containsExactly(0.8);
        assertThat(((AdjacentMerge) plan.method()).lambda()).isEqualTo(0.8);

        StatusRuntimeException e = refused(request(MergeMethod.MERGE_METHOD_ADJACENT, List.of(1.5, 0.2), a.toString()));
        assertThat(violations(e)).containsOnlyKeys("inputs", "weights");
        assertThat(violations(e).get("inputs")).isEqualTo("MERGE_METHOD_ADJACENT merges exactly 2 checkpoints (previous, latest), got 1");
        assertThat(violations(refused(request(MergeMethod.MERGE_METHOD_ADJACENT, List.of(-0.25), a.toString(), b.toString()))))
                .containsExactly(java.util.Map.entry("weights[0]", "lambda must lie in [0, 1], got -0.25"));
    }

    @Test
    void reportsEveryFieldAtFaultAtOnce() {
        StatusRuntimeException e = refused(request(MergeMethod.MERGE_METHOD_UNSPECIFIED, List.of(1.0, -2.0),
                "http://example.com/a.safetensors", b.toString()).setRequestId("../../etc/passwd")
                .setOptions(MergeOptions.newBuilder().setDensity(0.5)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        // The request id is checked first: it names files.
        assertThat(violations(e)).containsOnlyKeys("request_id");

        e = refused(request(MergeMethod.MERGE_METHOD_UNSPECIFIED, List.of(), "http://example.com/a.safetensors", b.toString())
                .setOptions(MergeOptions.newBuilder().setDensity(0.5)));
        assertThat(violations(e)).containsOnlyKeys("method", "inputs[0].uri", "options.density");
        assertThat(violations(e).get("method")).startsWith("must be one of MERGE_METHOD_LINEAR, MERGE_METHOD_ADJACENT,")
                .endsWith("MERGE_METHOD_EMA, MERGE_METHOD_LAWA");
        assertThat(violations(e).get("inputs[0].uri")).contains("scheme 'http'");
        assertThat(errorInfo(e).getReason()).isEqualTo("INVALID_MERGE_REQUEST");
        assertThat(errorInfo(e).getDomain()).isEqualTo("optimesh.io");
        assertThat(e.getStatus().getDescription()).startsWith("invalid request: method: must be one of");

        e = refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(1.0, -2.0, Double.NaN), a.toString(), b.toString()));
        assertThat(violations(e)).containsOnlyKeys("weights", "weights[1]", "weights[2]");
        assertThat(violationReasons(e)).containsEntry("weights[1]", "WEIGHT_OUT_OF_RANGE").containsEntry("weights", "WEIGHT_COUNT");
        assertThat(violations(refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(0.0, 0.0), a.toString(), b.toString()))))
                .containsOnlyKeys("weights");
        assertThat(violations(refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of()))))
                .containsEntry("inputs", "a merge takes 1 to 64 checkpoints, got 0");
    }

    @Test
    void refusesToWriteOverAnInputOrAnExistingFile() throws IOException {
        StatusRuntimeException e = refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString(), b.toString())
                .setOutputUri(b.toUri().toString()));
        assertThat(violationReasons(e)).containsExactly(java.util.Map.entry("output_uri", "OUTPUT_IS_INPUT"));

        Path taken = Files.writeString(dir.resolve("taken.safetensors"), "x");
        e = refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString(), b.toString()).setOutputUri(taken.toString()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(errorInfo(e).getReason()).isEqualTo("CHECKPOINT_ALREADY_EXISTS");
        assertThat(GrpcErrors.detail(e, ResourceInfo.class).orElseThrow().getResourceName()).isEqualTo(taken.toUri().toString());
    }

    @Test
    void aMissingInputIsNotFoundAndADirectoryIsNoCheckpoint() {
        Path missing = dir.resolve("missing.safetensors");
        StatusRuntimeException e = refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString(), missing.toString()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).isEqualTo("inputs[1].uri: no checkpoint at " + missing.toUri());
        assertThat(errorInfo(e).getMetadataMap()).containsEntry("field", "inputs[1].uri");

        e = refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), dir.toString(), b.toString()));
        assertThat(violationReasons(e)).containsExactly(java.util.Map.entry("inputs[0].uri", "CHECKPOINT_NOT_A_FILE"));
    }

    @Test
    void slerpTakesTwoInputsAndTInTheUnitInterval() {
        MergePlan plan = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_SLERP, List.of(0.3), a.toString(), b.toString())
                .build(), out);
        assertThat(((SlerpMerge) plan.method()).t()).isEqualTo(0.3);
        assertThat(plan.weights()).containsExactly(0.3);
        assertThat(violations(refused(request(MergeMethod.MERGE_METHOD_SLERP, List.of(1.25), a.toString(), b.toString()))))
                .containsExactly(Map.entry("weights[0]", "t must lie in [0, 1], got 1.25"));
        assertThat(violationReasons(refused(request(MergeMethod.MERGE_METHOD_SLERP, List.of(), a.toString()))))
                .containsOnly(Map.entry("inputs", "INPUT_COUNT"), Map.entry("weights", "WEIGHT_COUNT"));
    }

    @Test
    void methodsWithABaseReadItFirstAndReportOneWeightPerTask() {
        MergePlan plan = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_TIES, List.of(2.0), a.toString(), b.toString())
                .setOptions(MergeOptions.newBuilder().setBaseUri(base.toUri().toString()).setDensity(0.2)).build(), out);
        assertThat(plan.inputs()).containsExactly(base, a, b);
        assertThat(plan.sources()).extracting(MergePlan.Source::field)
                .containsExactly("options.base_uri", "inputs[0].uri", "inputs[1].uri");
        assertThat(plan.weights()).containsExactly(2.0, 2.0); // one weight for all
        assertThat(plan.method()).isInstanceOf(TiesMerge.class);

        MergePlan dare = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_DARE_LINEAR, List.of(0.5, -1.0), a.toString(),
                b.toString()).setOptions(MergeOptions.newBuilder().setBaseUri(base.toString()).setDropProbability(0.9)
                .setSeed(3)).build(), out);
        assertThat(dare.method().name()).isEqualTo("dare_linear");
        assertThat(dare.weights()).containsExactly(0.5, -1.0);

        MergePlan stock = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_MODEL_STOCK, List.of(), a.toString(), b.toString())
                .setOptions(MergeOptions.newBuilder().setBaseUri(base.toString())).build(), out);
        assertThat(stock.method()).isInstanceOf(ModelStockMerge.class);
        assertThat(stock.weights()).isEmpty();

        // Every fault at once: no base, no density, a negative TIES weight, a seed TIES does not use.
        StatusRuntimeException e = refused(request(MergeMethod.MERGE_METHOD_TIES, List.of(1.0, -1.0), a.toString(), b.toString())
                .setOptions(MergeOptions.newBuilder().setSeed(4)));
        assertThat(violationReasons(e)).containsOnly(Map.entry("options.base_uri", "BASE_REQUIRED"),
                Map.entry("options.density", "OPTION_REQUIRED"), Map.entry("weights[1]", "WEIGHT_OUT_OF_RANGE"),
                Map.entry("options.seed", "OPTION_NOT_USED"));
        assertThat(violationReasons(refused(request(MergeMethod.MERGE_METHOD_DARE_TIES, List.of(1.0, 1.0, 1.0), a.toString(),
                b.toString()).setOptions(MergeOptions.newBuilder().setBaseUri(base.toString()).setDropProbability(1)))))
                .containsOnly(Map.entry("weights", "WEIGHT_COUNT"), Map.entry("options.drop_probability", "OPTION_OUT_OF_RANGE"));
        assertThat(violationReasons(refused(request(MergeMethod.MERGE_METHOD_MODEL_STOCK, List.of(0.5), a.toString())
                .setOptions(MergeOptions.newBuilder().setBaseUri(base.toString())))))
                .containsOnly(Map.entry("inputs", "INPUT_COUNT"), Map.entry("weights", "WEIGHTS_NOT_USED"));
        assertThat(violationReasons(refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString())
                .setOptions(MergeOptions.newBuilder().setBaseUri(base.toString())))))
                .containsOnly(Map.entry("options.base_uri", "OPTION_NOT_USED"));
    }

    @Test
    void aMissingBaseIsNotFoundNamingItsField() {
        Path missing = dir.resolve("base-missing.safetensors");
        StatusRuntimeException e = refused(request(MergeMethod.MERGE_METHOD_TASK_ARITHMETIC, List.of(), a.toString())
                .setOptions(MergeOptions.newBuilder().setBaseUri(missing.toString())));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(errorInfo(e).getMetadataMap()).containsEntry("field", "options.base_uri");
    }

    @Test
    void emaAndLawaWeighTheRunsCheckpointsInOrder() {
        MergePlan ema = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_EMA, List.of(), a.toString(), b.toString(),
                base.toString()).setOptions(MergeOptions.newBuilder().setEmaDecay(0.5)).build(), out);
        assertThat(ema.weights()).containsExactly(0.25, 0.25, 0.5);
        assertThat(violationReasons(refused(request(MergeMethod.MERGE_METHOD_EMA, List.of(), a.toString()))))
                .containsOnly(Map.entry("options.ema_decay", "OPTION_REQUIRED"));

        MergePlan lawa = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_LAWA, List.of(), a.toString(), b.toString(),
                base.toString()).setOptions(MergeOptions.newBuilder().setWindow(2)).build(), out);
        assertThat(lawa.inputs()).containsExactly(b, base);
        assertThat(lawa.sources()).extracting(MergePlan.Source::field).containsExactly("inputs[1].uri", "inputs[2].uri");
        assertThat(lawa.weights()).containsExactly(0.0, 0.5, 0.5);
        assertThat(MergeRequests.plan(request(MergeMethod.MERGE_METHOD_LAWA, List.of(), a.toString(), b.toString()).build(), out)
                .weights()).containsExactly(0.5, 0.5);
        assertThat(violations(refused(request(MergeMethod.MERGE_METHOD_LAWA, List.of(), a.toString())
                .setOptions(MergeOptions.newBuilder().setWindow(3)))))
                .containsExactly(Map.entry("options.window", "a window of 3 needs at least as many inputs; got 1"));
    }

    @Test
    void aShardSizeNeedsAnIndexForOutput() {
        MergePlan plan = MergeRequests.plan(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString(), b.toString())
                .setRequestId("s-1").setMaxShardBytes(1000).build(), out);
        assertThat(plan.output()).isEqualTo(out.resolve("s-1.safetensors.index.json"));
        assertThat(plan.maxShardBytes()).isEqualTo(1000);
        assertThat(violationReasons(refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString())
                .setOutputUri(dir.resolve("x.safetensors").toString()).setMaxShardBytes(1000))))
                .containsOnly(Map.entry("max_shard_bytes", "OUTPUT_NOT_SHARDED"));
        assertThat(violations(refused(request(MergeMethod.MERGE_METHOD_LINEAR, List.of(), a.toString())
                .setOutputUri(dir.resolve("x.index.json").toString())))).containsOnlyKeys("output_uri");
    }

    private StatusRuntimeException refused(MergeCheckpointsRequest.Builder request) {
        return catchThrowableOfType(StatusRuntimeException.class, () -> MergeRequests.plan(request.build(), out));
    }

    private static MergeCheckpointsRequest.Builder request(MergeMethod method, List<Double> weights, String... inputs) {
        MergeCheckpointsRequest.Builder request = MergeCheckpointsRequest.newBuilder().setMethod(method).addAllWeights(weights);
        for (String input : inputs) {
            request.addInputs(CheckpointRef.newBuilder().setUri(input));
        }
        return request;
    }
}
