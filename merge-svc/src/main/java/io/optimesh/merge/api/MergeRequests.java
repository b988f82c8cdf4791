package io.optimesh.merge.api;

import com.google.rpc.Code;
import com.google.rpc.ResourceInfo;
import io.grpc.StatusRuntimeException;
import io.optimesh.core.grpc.FieldViolations;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.core.safetensors.SafetensorsReader;
import io.optimesh.merge.api.MergePlan.Source;
import io.optimesh.merge.method.AdjacentMerge;
import io.optimesh.merge.method.EmaMerge;
import io.optimesh.merge.method.LawaMerge;
import io.optimesh.merge.method.LinearMerge;
import io.optimesh.merge.method.ModelStockMerge;
import io.optimesh.merge.method.SlerpMerge;
import io.optimesh.merge.method.TaskArithmeticMerge;
import io.optimesh.merge.method.TensorMerge;
import io.optimesh.merge.method.TiesMerge;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.MergeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a MergeCheckpoints request and turns it into a {@link MergePlan}, or into the error it deserves:
 * INVALID_ARGUMENT listing every field at fault, NOT_FOUND for a missing input, ALREADY_EXISTS for an output that
 * would overwrite a file. What each method takes (inputs, weights, options) is in merge-svc's README.
 */
final class MergeRequests {

    /** The ErrorInfo reason of an INVALID_ARGUMENT answer to a malformed request. */
    static final String INVALID_REQUEST = "INVALID_MERGE_REQUEST";

    /** As declared in merge.proto. */
    static final int MAX_INPUTS = 64;

    private static final String SHARDED_SUFFIX = ".safetensors.index.json";

    private static final Set<MergeMethod> WITH_BASE = EnumSet.of(MergeMethod.MERGE_METHOD_TASK_ARITHMETIC,
            MergeMethod.MERGE_METHOD_TIES, MergeMethod.MERGE_METHOD_DARE_TIES, MergeMethod.MERGE_METHOD_DARE_LINEAR,
            MergeMethod.MERGE_METHOD_MODEL_STOCK);

    // A request id also names the default output file, so it must be a plain file name.
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private MergeRequests() {
    }

    /** Refuses a request id that is too long or could not name a file; an empty id is fine. */
    static void checkRequestId(String requestId) {
        if (!requestId.isEmpty() && !REQUEST_ID.matcher(requestId).matches()) {
            new FieldViolations().add("request_id", "INVALID_REQUEST_ID", "must be 1 to 128 letters, digits, '.', '_'"
                    + " or '-', starting with a letter or digit (a UUID is best)").throwIfAny(INVALID_REQUEST);
        }
    }

    /** The plan of a request, writing under {@code checkpointDirectory} when it names no output. */
    static MergePlan plan(MergeCheckpointsRequest request, Path checkpointDirectory) {
        checkRequestId(request.getRequestId());
        MergeMethod method = request.getMethod();
        FieldViolations violations = new FieldViolations();
        if (method == MergeMethod.MERGE_METHOD_UNSPECIFIED || method == MergeMethod.UNRECOGNIZED) {
            violations.add("method", "MERGE_METHOD_REQUIRED", "must be one of " + methodNames());
            method = MergeMethod.MERGE_METHOD_UNSPECIFIED;
        }
        List<Path> inputs = inputs(request, method, violations);
        Path base = base(request, method, violations);
        checkOptions(request.getOptions(), method, violations);
        Weighted weighted = weighted(request, method, violations);
        Path output = output(request, checkpointDirectory, inputs, base, violations);
        violations.throwIfAny(INVALID_REQUEST);
        List<Source> sources = new ArrayList<>();
        if (base != null) {
            sources.add(new Source(base, "options.base_uri", request.getOptions().getBaseUri()));
        }
        for (int i = weighted.firstInput(); i < inputs.size(); i++) {
            sources.add(new Source(inputs.get(i), "inputs[" + i + "].uri", request.getInputs(i).getUri()));
        }
        checkFiles(sources, output);
        return new MergePlan(sources, output, request.getMaxShardBytes(), weighted.merge(), weighted.reported());
    }

    /** A method ready to run, the weights a result reports for it, and the first input it reads. */
    private record Weighted(TensorMerge merge, List<Double> reported, int firstInput) {

        Weighted(TensorMerge merge, double[] reported) {
            this(merge, Arrays.stream(reported).boxed().toList(), 0);
        }
    }

    private static List<Path> inputs(MergeCheckpointsRequest request, MergeMethod method, FieldViolations violations) {
        int n = request.getInputsCount();
        int min = switch (method) {
            case MERGE_METHOD_MODEL_STOCK -> 2;
            default -> 1;
        };
        if (n < min || n > MAX_INPUTS) {
            violations.add("inputs", "INPUT_COUNT", (min == 1 ? "a merge takes 1" : method + " takes " + min)
                    + " to " + MAX_INPUTS + " checkpoints" + (WITH_BASE.contains(method) ? " besides the base" : "")
                    + ", got " + n);
        } else if ((method == MergeMethod.MERGE_METHOD_ADJACENT || method == MergeMethod.MERGE_METHOD_SLERP) && n != 2) {
            violations.add("inputs", "INPUT_COUNT", method + " merges exactly 2 checkpoints ("
                    + (method == MergeMethod.MERGE_METHOD_ADJACENT ? "previous, latest" : "t = 0, t = 1") + "), got " + n);
        }
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try {
                inputs.add(CheckpointUris.toPath(request.getInputs(i).getUri()));
            } catch (IllegalArgumentException e) {
                violations.add("inputs[" + i + "].uri", "INVALID_CHECKPOINT_URI", e.getMessage());
            }
        }
        return inputs;
    }

    private static Path base(MergeCheckpointsRequest request, MergeMethod method, FieldViolations violations) {
        String uri = request.getOptions().getBaseUri();
        if (!WITH_BASE.contains(method)) {
            if (!uri.isEmpty()) {
                violations.add("options.base_uri", "OPTION_NOT_USED", method + " takes no base checkpoint");
            }
            return null;
        }
        if (uri.isEmpty()) {
            violations.add("options.base_uri", "BASE_REQUIRED", method + " takes the deltas of the inputs from a base"
                    + " checkpoint; name it");
            return null;
        }
        try {
            return CheckpointUris.toPath(uri);
        } catch (IllegalArgumentException e) {
            violations.add("options.base_uri", "INVALID_CHECKPOINT_URI", e.getMessage());
            return null;
        }
    }

    /** Every option a method uses is in range, the required ones are set, and no other is. */
    private static void checkOptions(MergeOptions o, MergeMethod method, FieldViolations violations) {
        boolean ties = method == MergeMethod.MERGE_METHOD_TIES;
        boolean dare = method == MergeMethod.MERGE_METHOD_DARE_TIES || method == MergeMethod.MERGE_METHOD_DARE_LINEAR;
        boolean ema = method == MergeMethod.MERGE_METHOD_EMA;
        option(violations, method, "options.density", o.hasDensity(), ties, o.getDensity() > 0 && o.getDensity() <= 1,
                "the fraction of each task vector TIES keeps must lie in (0, 1], got " + o.getDensity());
        option(violations, method, "options.drop_probability", o.hasDropProbability(), dare,
                o.getDropProbability() >= 0 && o.getDropProbability() < 1,
                "DARE's drop probability must lie in [0, 1), got " + o.getDropProbability());
        option(violations, method, "options.ema_decay", o.hasEmaDecay(), ema, o.getEmaDecay() > 0 && o.getEmaDecay() < 1,
                "the EMA decay must lie in (0, 1), got " + o.getEmaDecay());
        if (o.getWindow() != 0 && method != MergeMethod.MERGE_METHOD_LAWA) {
            violations.add("options.window", "OPTION_NOT_USED", method + " takes no window");
        }
        if (o.getSeed() != 0 && !dare) {
            violations.add("options.seed", "OPTION_NOT_USED", method + " takes no seed");
        }
    }

    private static void option(FieldViolations violations, MergeMethod method, String field, boolean set, boolean used,
            boolean inRange, String rangeMessage) {
        if (set && !used) {
            violations.add(field, "OPTION_NOT_USED", method + " takes no " + field.substring("options.".length()));
        } else if (!set && used) {
            violations.add(field, "OPTION_REQUIRED", method + " needs " + field);
        } else if (set && !inRange) {
            violations.add(field, "OPTION_OUT_OF_RANGE", rangeMessage);
        }
    }

    private static Weighted weighted(MergeCheckpointsRequest request, MergeMethod method, FieldViolations violations) {
        List<Double> weights = request.getWeightsList();
        int n = request.getInputsCount();
        MergeOptions o = request.getOptions();
        return switch (method) {
            case MERGE_METHOD_LINEAR -> linear(weights, n, violations);
            case MERGE_METHOD_ADJACENT -> single(weights, violations, method, "lambda", " (lambda * latest + (1 - lambda)"
                    + " * previous)", lambda -> new Weighted(AdjacentMerge.of(lambda), new double[] {lambda}));
            case MERGE_METHOD_SLERP -> single(weights, violations, method, "t", " (0 gives the first input, 1 the"
                    + " second)", t -> new Weighted(SlerpMerge.of(t), new double[] {t}));
            case MERGE_METHOD_TASK_ARITHMETIC -> perTask(weights, n, false, violations, method,
                    l -> TaskArithmeticMerge.of(l));
            case MERGE_METHOD_DARE_LINEAR -> perTask(weights, n, false, violations, method,
                    l -> TaskArithmeticMerge.dare(o.getDropProbability(), o.getSeed(), l));
            case MERGE_METHOD_TIES -> perTask(weights, n, true, violations, method, w -> TiesMerge.of(o.getDensity(), w));
            case MERGE_METHOD_DARE_TIES -> perTask(weights, n, true, violations, method,
                    w -> TiesMerge.dare(o.getDropProbability(), o.getSeed(), w));
            case MERGE_METHOD_MODEL_STOCK -> noWeights(weights, violations, method,
                    () -> new Weighted(ModelStockMerge.of(n), List.of(), 0));
            case MERGE_METHOD_EMA -> noWeights(weights, violations, method, () -> {
                EmaMerge ema = EmaMerge.of(o.getEmaDecay(), n);
                return new Weighted(ema, ema.weights());
            });
            case MERGE_METHOD_LAWA -> lawa(weights, n, o.getWindow(), violations);
            default -> null;
        };
    }

    private static Weighted linear(List<Double> weights, int inputs, FieldViolations violations) {
        if (weights.isEmpty()) {
            return inputs == 0 ? null : linearWeighted(LinearMerge.uniform(inputs));
        }
        boolean valid = true;
        if (weights.size() != inputs) {
            violations.add("weights", "WEIGHT_COUNT", "MERGE_METHOD_LINEAR needs one weight per input (" + inputs
                    + "), or none for the plain average; got " + weights.size());
            valid = false;
        }
        valid &= nonNegative(weights, violations, "weights are rescaled to sum to 1");
        if (!valid) {
            return null;
        }
        return linearWeighted(LinearMerge.normalised(weights.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    private static Weighted linearWeighted(LinearMerge merge) {
        return new Weighted(merge, merge.weights());
    }

    /** Every weight finite and non-negative, and one at least positive. */
    private static boolean nonNegative(List<Double> weights, FieldViolations violations, String why) {
        boolean valid = true;
        double sum = 0;
        for (int i = 0; i < weights.size(); i++) {
            double w = weights.get(i);
            if (!(Double.isFinite(w) && w >= 0)) {
                violations.add("weights[" + i + "]", "WEIGHT_OUT_OF_RANGE", "must be finite and non-negative (" + why
                        + "), got " + w);
                valid = false;
            } else {
                sum += w;
            }
        }
        if (valid && !weights.isEmpty() && sum <= 0) {
            violations.add("weights", "WEIGHTS_ALL_ZERO", "at least one weight must be positive");
            valid = false;
        }
        return valid;
    }

    /** One weight in [0, 1]. */
    private static Weighted single(List<Double> weights, FieldViolations violations, MergeMethod method, String name,
            String meaning, DoubleFunction<Weighted> build) {
        if (weights.size() != 1) {
            violations.add("weights", "WEIGHT_COUNT", method + " takes one weight, " + name + " in [0, 1]" + meaning
                    + "; got " + weights.size());
            return null;
        }
        double w = weights.get(0);
        if (!(w >= 0 && w <= 1)) {
            violations.add("weights[0]", "WEIGHT_OUT_OF_RANGE", name + " must lie in [0, 1], got " + w);
            return null;
        }
        return violations.isEmpty() ? build.apply(w) : null;
    }

    /**
     * One weight per input besides the base, one for all of them, or none (1 each); non-negative for the
     * TIES family (they weigh a sign election and a mean), any finite number otherwise.
     */
    private static Weighted perTask(List<Double> weights, int tasks, boolean nonNegative, FieldViolations violations,
            MergeMethod method, Function<double[], TensorMerge> build) {
        if (weights.size() > 1 && weights.size() != tasks) {
            violations.add("weights", "WEIGHT_COUNT", method + " takes one weight per input (" + tasks + "), one for"
                    + " all, or none (1 each); got " + weights.size());
            return null;
        }
        if (nonNegative) {
            if (!nonNegative(weights, violations, "they weigh each task's vote and share of the mean")) {
                return null;
            }
        } else {
            for (int i = 0; i < weights.size(); i++) {
                if (!Double.isFinite(weights.get(i))) {
                    violations.add("weights[" + i + "]", "WEIGHT_OUT_OF_RANGE", "must be finite, got " + weights.get(i));
                    return null;
                }
            }
        }
        double[] w = new double[tasks];
        Arrays.fill(w, weights.isEmpty() ? 1 : weights.get(0));
        if (weights.size() == tasks) {
            w = weights.stream().mapToDouble(Double::doubleValue).toArray();
        }
        // Built only from a request with nothing wrong so far (a missing density, say): its own checks never fire.
        return violations.isEmpty() ? new Weighted(build.apply(w), w) : null;
    }

    private static Weighted noWeights(List<Double> weights, FieldViolations violations, MergeMethod method,
            Supplier<Weighted> build) {
        if (!weights.isEmpty()) {
            violations.add("weights", "WEIGHTS_NOT_USED", method + " takes no weights; got " + weights.size());
            return null;
        }
        return violations.isEmpty() ? build.get() : null;
    }

    /** The last {@code window} inputs (all for 0), reported as weights 1/window on them and 0 on the others. */
    private static Weighted lawa(List<Double> weights, int n, int window, FieldViolations violations) {
        if (!weights.isEmpty()) {
            violations.add("weights", "WEIGHTS_NOT_USED", "MERGE_METHOD_LAWA averages the last options.window inputs"
                    + " and takes no weights; got " + weights.size());
            return null;
        }
        int k = window == 0 ? n : window;
        if (k > n) {
            violations.add("options.window", "OPTION_OUT_OF_RANGE", "a window of " + k + " needs at least as many"
                    + " inputs; got " + n);
            return null;
        }
        if (!violations.isEmpty()) {
            return null;
        }
        double[] reported = new double[n];
        Arrays.fill(reported, n - k, n, 1.0 / k);
        return new Weighted(LawaMerge.of(k), Arrays.stream(reported).boxed().toList(), n - k);
    }

    private static Path output(MergeCheckpointsRequest request, Path checkpointDirectory, List<Path> inputs, Path base,
            FieldViolations violations) {
        Path output;
        boolean sharded = request.getMaxShardBytes() > 0;
        if (request.getOutputUri().isEmpty()) {
            String name = request.getRequestId().isEmpty() ? UUID.randomUUID().toString() : request.getRequestId();
            output = checkpointDirectory.resolve(name + (sharded ? SHARDED_SUFFIX : ".safetensors"))
                    .toAbsolutePath().normalize();
        } else {
            try {
                output = CheckpointUris.toPath(request.getOutputUri());
            } catch (IllegalArgumentException e) {
                violations.add("output_uri", "INVALID_CHECKPOINT_URI", e.getMessage());
                return null;
            }
            String name = output.getFileName() == null ? "" : output.getFileName().toString();
            if (SafetensorsReader.isIndex(output) && !(name.endsWith(SHARDED_SUFFIX) && name.length() > SHARDED_SUFFIX.length())) {
                violations.add("output_uri", "INVALID_CHECKPOINT_URI", "a sharded checkpoint's index is named <stem>"
                        + SHARDED_SUFFIX + ", got " + name);
            } else if (sharded && !SafetensorsReader.isIndex(output)) {
                violations.add("max_shard_bytes", "OUTPUT_NOT_SHARDED", "shards need an output_uri naming the index,"
                        + " <stem>" + SHARDED_SUFFIX + "; got " + name);
            }
        }
        if (inputs.contains(output) || output.equals(base)) {
            violations.add("output_uri", "OUTPUT_IS_INPUT", "'" + CheckpointUris.toUri(output)
                    + "' is one of the inputs; a merge never overwrites its inputs");
        }
        return output;
    }

    /** Once the request is well formed: its inputs must be readable files and its output must not exist. */
    private static void checkFiles(List<Source> sources, Path output) {
        FieldViolations violations = new FieldViolations();
        for (Source source : sources) {
            Path input = source.path();
            String field = source.field();
            if (!Files.exists(input)) {
                String uri = CheckpointUris.toUri(input);
                throw GrpcErrors.error(Code.NOT_FOUND, "CHECKPOINT_NOT_FOUND", field + ": no checkpoint at " + uri,
                        Map.of("field", field, "uri", uri), checkpoint(uri, "not found"));
            }
            if (!Files.isRegularFile(input) || !Files.isReadable(input)) {
                violations.add(field, "CHECKPOINT_NOT_A_FILE", "'" + source.uri() + "' is not a readable file");
            }
        }
        violations.throwIfAny(INVALID_REQUEST);
        if (Files.exists(output)) {
            throw alreadyExists(output);
        }
    }

    /** ALREADY_EXISTS for an output (or one of its shards) that is there already. */
    static StatusRuntimeException alreadyExists(Path file) {
        String uri = CheckpointUris.toUri(file);
        return GrpcErrors.error(Code.ALREADY_EXISTS, "CHECKPOINT_ALREADY_EXISTS", "output_uri: " + uri
                + " already exists; a merge never overwrites a file (name another output, or delete it first)",
                Map.of("field", "output_uri", "uri", uri), checkpoint(uri, "already exists"));
    }

    private static ResourceInfo checkpoint(String uri, String description) {
        return ResourceInfo.newBuilder().setResourceType("checkpoint").setResourceName(uri).setDescription(description).build();
    }

    private static String methodNames() {
        return Arrays.stream(MergeMethod.values())
                .filter(m -> m != MergeMethod.MERGE_METHOD_UNSPECIFIED && m != MergeMethod.UNRECOGNIZED)
                .map(Enum::name).collect(Collectors.joining(", "));
    }
}
