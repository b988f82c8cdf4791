package io.optimesh.merge.api;

import com.google.rpc.Code;
import com.google.rpc.ResourceInfo;
import io.optimesh.core.grpc.FieldViolations;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.merge.method.AdjacentMerge;
import io.optimesh.merge.method.ElementwiseMerge;
import io.optimesh.merge.method.LinearMerge;
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
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a MergeCheckpoints request and turns it into a {@link MergePlan}, or into the error it deserves:
 * UNIMPLEMENTED for a method not written yet, INVALID_ARGUMENT listing every field at fault, NOT_FOUND for a
 * missing input, ALREADY_EXISTS for an output that would overwrite a file.
 *
 * <p>Weights: a linear merge takes one non-negative weight per input, rescaled to sum to 1 (no weights at
 * all means the plain average); an adjacent merge takes exactly two inputs, oldest first, and one weight,
 * lambda in [0, 1], for {@code lambda * latest + (1 - lambda) * previous}.
 */
final class MergeRequests {

    /** The ErrorInfo reason of an INVALID_ARGUMENT answer to a malformed request. */
    static final String INVALID_REQUEST = "INVALID_MERGE_REQUEST";

    static final Set<MergeMethod> IMPLEMENTED = EnumSet.of(MergeMethod.MERGE_METHOD_LINEAR, MergeMethod.MERGE_METHOD_ADJACENT);

    /** As declared in merge.proto. */
    static final int MAX_INPUTS = 64;

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
        boolean unspecified = method == MergeMethod.MERGE_METHOD_UNSPECIFIED || method == MergeMethod.UNRECOGNIZED;
        if (!unspecified && !IMPLEMENTED.contains(method)) {
            throw GrpcErrors.error(Code.UNIMPLEMENTED, "MERGE_METHOD_UNIMPLEMENTED", method + " is not implemented yet;"
                    + " this merge-svc implements " + implementedNames(), Map.of("method", method.name()));
        }
        FieldViolations violations = new FieldViolations();
        if (unspecified) {
            violations.add("method", "MERGE_METHOD_REQUIRED", "must be one of " + implementedNames());
        }
        List<Path> inputs = inputs(request, violations);
        Weighted weighted = switch (method) {
            case MERGE_METHOD_LINEAR -> linear(request.getWeightsList(), request.getInputsCount(), violations);
            case MERGE_METHOD_ADJACENT -> adjacent(request.getWeightsList(), violations);
            default -> null;
        };
        if (request.hasOptions() && !request.getOptions().equals(MergeOptions.getDefaultInstance())) {
            violations.add("options", "OPTIONS_NOT_USED", method + " takes no options");
        }
        Path output = output(request, checkpointDirectory, inputs, violations);
        violations.throwIfAny(INVALID_REQUEST);
        checkFiles(request, inputs, output);
        return new MergePlan(inputs, output, weighted.merge(), weighted.reported());
    }

    /** A method ready to run and the weights a result reports for it. */
    private record Weighted(ElementwiseMerge merge, List<Double> reported) {
    }

    private static List<Path> inputs(MergeCheckpointsRequest request, FieldViolations violations) {
        int n = request.getInputsCount();
        if (n == 0 || n > MAX_INPUTS) {
            violations.add("inputs", "INPUT_COUNT", "a merge takes 1 to " + MAX_INPUTS
                    + " checkpoints, got " + n);
        } else if (request.getMethod() == MergeMethod.MERGE_METHOD_ADJACENT && n != 2) {
            violations.add("inputs", "INPUT_COUNT", "MERGE_METHOD_ADJACENT merges exactly 2"
                    + " checkpoints (previous, latest), got " + n);
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

    private static Weighted linear(List<Double> weights, int inputs, FieldViolations violations) {
        if (weights.isEmpty()) {
            return inputs == 0 ? null : weighted(LinearMerge.uniform(inputs));
        }
        boolean valid = true;
        if (weights.size() != inputs) {
            violations.add("weights", "WEIGHT_COUNT", "MERGE_METHOD_LINEAR needs one weight per input (" + inputs
                    + "), or none for the plain average; got " + weights.size());
            valid = false;
        }
        double sum = 0;
        for (int i = 0; i < weights.size(); i++) {
            double w = weights.get(i);
            if (!(Double.isFinite(w) && w >= 0)) {
                violations.add("weights[" + i + "]", "WEIGHT_OUT_OF_RANGE",
                        "must be finite and non-negative (weights are rescaled to sum to 1), got " + w);
                valid = false;
            } else {
                sum += w;
            }
        }
        if (valid && sum <= 0) {
            violations.add("weights", "WEIGHTS_ALL_ZERO", "at least one weight must be positive");
            valid = false;
        }
        if (!valid) {
            return null;
        }
        return weighted(LinearMerge.normalised(weights.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    private static Weighted weighted(LinearMerge merge) {
        return new Weighted(merge, Arrays.stream(merge.weights()).boxed().toList());
    }

    private static Weighted adjacent(List<Double> weights, FieldViolations violations) {
        if (weights.size() != 1) {
            violations.add("weights", "WEIGHT_COUNT", "MERGE_METHOD_ADJACENT takes one weight, lambda in [0, 1]"
                    + " (lambda * latest + (1 - lambda) * previous); got " + weights.size());
            return null;
        }
        double lambda = weights.get(0);
        if (!(lambda >= 0 && lambda <= 1)) {
            violations.add("weights[0]", "WEIGHT_OUT_OF_RANGE", "lambda must lie in [0, 1], got " + lambda);
            return null;
        }
        return new Weighted(AdjacentMerge.of(lambda), List.of(lambda));
    }

    private static Path output(MergeCheckpointsRequest request, Path checkpointDirectory, List<Path> inputs,
            FieldViolations violations) {
        Path output;
        if (request.getOutputUri().isEmpty()) {
            String name = request.getRequestId().isEmpty() ? UUID.randomUUID().toString() : request.getRequestId();
            output = checkpointDirectory.resolve(name + ".safetensors").toAbsolutePath().normalize();
        } else {
            try {
                output = CheckpointUris.toPath(request.getOutputUri());
            } catch (IllegalArgumentException e) {
                violations.add("output_uri", "INVALID_CHECKPOINT_URI", e.getMessage());
                return null;
            }
        }
        if (inputs.contains(output)) {
            violations.add("output_uri", "OUTPUT_IS_INPUT", "'" + CheckpointUris.toUri(output)
                    + "' is one of the inputs; a merge never overwrites its inputs");
        }
        return output;
    }

    /** Once the request is well formed: its inputs must be readable files and its output must not exist. */
    private static void checkFiles(MergeCheckpointsRequest request, List<Path> inputs, Path output) {
        FieldViolations violations = new FieldViolations();
        for (int i = 0; i < inputs.size(); i++) {
            Path input = inputs.get(i);
            String field = "inputs[" + i + "].uri";
            if (!Files.exists(input)) {
                String uri = CheckpointUris.toUri(input);
                throw GrpcErrors.error(Code.NOT_FOUND, "CHECKPOINT_NOT_FOUND", field + ": no checkpoint at " + uri,
                        Map.of("field", field, "uri", uri), checkpoint(uri, "not found"));
            }
            if (!Files.isRegularFile(input) || !Files.isReadable(input)) {
                violations.add(field, "CHECKPOINT_NOT_A_FILE", "'" + request.getInputs(i).getUri()
                        + "' is not a readable file");
            }
        }
        violations.throwIfAny(INVALID_REQUEST);
        if (Files.exists(output)) {
            String uri = CheckpointUris.toUri(output);
            throw GrpcErrors.error(Code.ALREADY_EXISTS, "CHECKPOINT_ALREADY_EXISTS", "output_uri: " + uri
                    + " already exists; a merge never overwrites a file (name another output, or delete it first)",
                    Map.of("field", "output_uri", "uri", uri), checkpoint(uri, "already exists"));
        }
    }

    private static ResourceInfo checkpoint(String uri, String description) {
        return ResourceInfo.newBuilder().setResourceType("checkpoint").setResourceName(uri).setDescription(description).build();
    }

    private static String implementedNames() {
        return IMPLEMENTED.stream().map(Enum::name).collect(Collectors.joining(" and "));
    }
}
