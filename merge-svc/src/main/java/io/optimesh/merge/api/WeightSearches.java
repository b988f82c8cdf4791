package io.optimesh.merge.api;

import com.google.rpc.BadRequest;
import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.optimesh.core.bayesopt.BayesianOptimizer.Proposer;
import io.optimesh.core.grpc.FieldViolations;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.merge.config.MergeConfig;
import io.optimesh.merge.evaluation.TrainerEvaluations;
import io.optimesh.merge.messaging.MergeEvents;
import io.optimesh.merge.method.CheckpointMerger;
import io.optimesh.merge.method.IncompatibleCheckpointsException;
import io.optimesh.merge.method.InvalidCheckpointException;
import io.optimesh.merge.search.Evaluated;
import io.optimesh.merge.search.SearchStrategy;
import io.optimesh.merge.search.WeightSearch;
import io.optimesh.merge.search.WeightSpace;
import io.optimesh.v1.Acquisition;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeEvaluation;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.PosteriorSlice;
import io.optimesh.v1.SearchMergeWeightsRequest;
import io.optimesh.v1.SearchMergeWeightsResponse;
import io.optimesh.v1.SearchMergeWeightsResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * SearchMergeWeights: checks the request, then searches the method's weights ({@link WeightSearch}) against
 * the held-out loss trainer-svc reports for each candidate merge, streaming one MergeEvaluation per new
 * candidate and then the result, which is also published as MergeSearchCompleted.
 *
 * <p>Candidates are merged into {@code <checkpoint-dir>/searches/<request_id>/candidate-NNN.safetensors}
 * exactly as MergeCheckpoints would merge them ({@link MergeRequests#plan}); when the search ends the best
 * candidate's file is kept as the result's output and the others are deleted. A request id seen before
 * returns that search's result without searching again.
 */
@ApplicationScoped
public class WeightSearches {

    private static final Logger LOG = Logger.getLogger(WeightSearches.class);

    /** Methods whose weights have a search space; another method joins with a {@link WeightSpace}. */
    static final List<MergeMethod> SEARCHABLE = List.of(MergeMethod.MERGE_METHOD_ADJACENT, MergeMethod.MERGE_METHOD_LINEAR);

    private final MergeConfig config;
    private final MergeEvents events;
    private final TrainerEvaluations trainer;
    private final RecentRequests<SearchMergeWeightsRequest, SearchMergeWeightsResult> recent;

    @Inject
    WeightSearches(MergeConfig config, MergeEvents events, TrainerEvaluations trainer) {
        this.config = config;
        this.events = events;
        this.trainer = trainer;
        this.recent = new RecentRequests<>(config.rememberedRequests());
    }

    /** Runs the request, answering on {@code responses}. */
    public void search(SearchMergeWeightsRequest request, StreamObserver<SearchMergeWeightsResponse> responses) {
        try {
            String id = request.getRequestId();
            MergeRequests.checkRequestId(id);
            WeightSpace space = space(request);
            if (id.isEmpty()) {
                finish(request, run(request, space, UUID.randomUUID().toString(), responses), responses);
                return;
            }
            RecentRequests.Claim<SearchMergeWeightsRequest, SearchMergeWeightsResult> claim = recent.claim(id, request);
            if (!claim.first()) {
                responses.onNext(SearchMergeWeightsResponse.newBuilder().setResult(claim.earlierAnswer(id, request, "SearchMergeWeights", "SEARCH_FAILED")).build());
                responses.onCompleted();
                return;
            }
            SearchMergeWeightsResult result;
            try {
                result = run(request, space, id, responses);
            } catch (RuntimeException e) {
                recent.fail(id, claim, e);
                throw e;
            }
            claim.answer().complete(result);
            finish(request, result, responses);
        } catch (StatusRuntimeException e) {
            responses.onError(e);
        }
    }

    /** The weight space of the request's method, or the error the request deserves. */
    static WeightSpace space(SearchMergeWeightsRequest request) {
        MergeMethod method = request.getMethod();
        boolean unspecified = method == MergeMethod.MERGE_METHOD_UNSPECIFIED || method == MergeMethod.UNRECOGNIZED;
        if (!unspecified && !SEARCHABLE.contains(method)) {
            throw GrpcErrors.error(Code.UNIMPLEMENTED, "SEARCH_METHOD_UNIMPLEMENTED", "SearchMergeWeights cannot search"
                    + " the weights of " + method + " yet; it searches " + SEARCHABLE, Map.of("method", method.name()));
        }
        FieldViolations violations = new FieldViolations();
        if (unspecified) {
            violations.add("method", "MERGE_METHOD_REQUIRED", "must be one of " + SEARCHABLE);
        }
        int n = request.getInputsCount();
        if (n < 2 || n > MergeRequests.MAX_INPUTS) {
            violations.add("inputs", "INPUT_COUNT", "a weight search merges 2 to " + MergeRequests.MAX_INPUTS
                    + " checkpoints, got " + n);
        } else if (method == MergeMethod.MERGE_METHOD_ADJACENT && n != 2) {
            violations.add("inputs", "INPUT_COUNT", "MERGE_METHOD_ADJACENT merges exactly 2 checkpoints (previous,"
                    + " latest), got " + n);
        }
        double alpha = request.getLowerBound();
        if (method == MergeMethod.MERGE_METHOD_ADJACENT && !(alpha >= 0 && alpha < 1)) {
            violations.add("lower_bound", "LOWER_BOUND_OUT_OF_RANGE", "alpha must lie in [0, 1) so that [alpha, 1] is an"
                    + " interval, got " + alpha);
        } else if (method == MergeMethod.MERGE_METHOD_LINEAR && alpha != 0) {
            violations.add("lower_bound", "LOWER_BOUND_NOT_USED", "only MERGE_METHOD_ADJACENT's lambda has a lower bound;"
                    + " MERGE_METHOD_LINEAR searches the whole simplex");
        }
        if (request.getAcquisition() == Acquisition.ACQUISITION_INITIAL_DESIGN
                || request.getAcquisition() == Acquisition.UNRECOGNIZED) {
            violations.add("acquisition", "ACQUISITION_INVALID", "choose GP-Hedge (the default), EI, PI, UCB, grid or"
                    + " random; the initial design is not an acquisition of its own");
        }
        violations.throwIfAny(MergeRequests.INVALID_REQUEST);
        return method == MergeMethod.MERGE_METHOD_ADJACENT ? WeightSpace.adjacent(alpha) : WeightSpace.linear(n);
    }

    static SearchStrategy strategy(Acquisition acquisition) {
        return switch (acquisition) {
            case ACQUISITION_EXPECTED_IMPROVEMENT -> SearchStrategy.EXPECTED_IMPROVEMENT;
            case ACQUISITION_PROBABILITY_OF_IMPROVEMENT -> SearchStrategy.PROBABILITY_OF_IMPROVEMENT;
            case ACQUISITION_UPPER_CONFIDENCE_BOUND -> SearchStrategy.UPPER_CONFIDENCE_BOUND;
            case ACQUISITION_GRID -> SearchStrategy.GRID;
            case ACQUISITION_RANDOM -> SearchStrategy.RANDOM;
            default -> SearchStrategy.GP_HEDGE;
        };
    }

    private static Acquisition proposedBy(Proposer proposer, Acquisition requested) {
        if (proposer == null) {
            return requested;
        }
        return switch (proposer) {
            case INITIAL_DESIGN -> Acquisition.ACQUISITION_INITIAL_DESIGN;
            case EXPECTED_IMPROVEMENT -> Acquisition.ACQUISITION_EXPECTED_IMPROVEMENT;
            case PROBABILITY_OF_IMPROVEMENT -> Acquisition.ACQUISITION_PROBABILITY_OF_IMPROVEMENT;
            case UPPER_CONFIDENCE_BOUND -> Acquisition.ACQUISITION_UPPER_CONFIDENCE_BOUND;
        };
    }

    private SearchMergeWeightsResult run(SearchMergeWeightsRequest request, WeightSpace space, String name,
            StreamObserver<SearchMergeWeightsResponse> responses) {
        Path dir = config.checkpointDirectory().resolve("searches").resolve(name).toAbsolutePath().normalize();
        Acquisition requested = request.getAcquisition() == Acquisition.ACQUISITION_UNSPECIFIED
                ? Acquisition.ACQUISITION_GP_HEDGE : request.getAcquisition();
        // Refuse unusable inputs before the first merge, with MergeCheckpoints' own checks.
        MergeRequests.plan(candidate(request, space.weights(space.initialDesign().get(0)), dir.resolve("check")),
                dir);
        Map<Integer, Path> files = new HashMap<>();
        try {
            Files.createDirectories(dir);
            WeightSearch.Outcome outcome = new WeightSearch(space, strategy(requested), request.getBudget(),
                    request.getSeed()).run((k, weights) -> {
                        Path file = dir.resolve(String.format("candidate-%03d.safetensors", k));
                        files.put(k, file);
                        merge(request, weights, file, dir);
                        String uri = CheckpointUris.toUri(file);
                        double loss = trainer.evaluate(uri, request.getEvaluationBatches()).getLoss();
                        LOG.debugf("Candidate %d of search %s: weights %s, held-out loss %.5f", k, name, weights, loss);
                        return loss;
                    }, e -> responses.onNext(SearchMergeWeightsResponse.newBuilder()
                            .setEvaluation(evaluation(e, requested)).build()));
            Path best = files.get(outcome.best().candidate());
            for (Path file : files.values()) {
                if (!file.equals(best)) {
                    Files.deleteIfExists(file);
                }
            }
            SearchMergeWeightsResult.Builder result = SearchMergeWeightsResult.newBuilder()
                    .setBest(evaluation(outcome.best(), requested))
                    .setOutput(CheckpointRef.newBuilder().setUri(CheckpointUris.toUri(best)).setSizeBytes(Files.size(best))
                            .setValidationLoss(outcome.best().loss()));
            outcome.evaluations().forEach(e -> result.addEvaluations(evaluation(e, requested)));
            outcome.posterior().ifPresent(p -> result.setPosterior(PosteriorSlice.newBuilder()
                    .addAllWeights(Arrays.stream(p.points()).boxed().toList())
                    .addAllMean(Arrays.stream(p.mean()).boxed().toList())
                    .addAllStandardDeviation(Arrays.stream(p.standardDeviation()).boxed().toList())));
            LOG.infof("Search %s (%s, %s) evaluated %d candidates; best weights %s, held-out loss %.5f", name,
                    request.getMethod(), requested, outcome.evaluations().size(), outcome.best().weights(),
                    outcome.best().loss());
            return result.build();
        } catch (IOException e) {
            deleteAll(files.values());
            throw GrpcErrors.internal("SEARCH_IO_FAILED", "weight search in " + dir + " failed: " + e, Map.of());
        } catch (RuntimeException e) {
            deleteAll(files.values());
            if (e instanceof StatusRuntimeException s) {
                throw s;
            }
            LOG.errorf(e, "Weight search %s failed", name);
            throw GrpcErrors.internal("SEARCH_FAILED", "weight search " + name + " failed: " + e, Map.of());
        }
    }

    private static MergeCheckpointsRequest candidate(SearchMergeWeightsRequest request, List<Double> weights, Path file) {
        MergeCheckpointsRequest.Builder b = MergeCheckpointsRequest.newBuilder()
                .setMethod(request.getMethod())
                .addAllInputs(request.getInputsList())
                .addAllWeights(weights)
                .setOutputUri(CheckpointUris.toUri(file));
        if (request.hasOptions()) {
            b.setOptions(request.getOptions());
        }
        return b.build();
    }

    /** Merges one candidate as MergeCheckpoints would, the domain's refusals mapped to the input at fault. */
    private void merge(SearchMergeWeightsRequest request, List<Double> weights, Path file, Path dir) {
        MergePlan plan = MergeRequests.plan(candidate(request, weights, file), dir);
        try {
            new CheckpointMerger(config.chunkElements()).merge(plan.inputs(), plan.output(), plan.method());
        } catch (IncompatibleCheckpointsException e) {
            throw inputError(request, e.input(), "CHECKPOINTS_INCOMPATIBLE", e.getMessage());
        } catch (InvalidCheckpointException e) {
            throw inputError(request, e.input(), "CHECKPOINT_MALFORMED", e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static StatusRuntimeException inputError(SearchMergeWeightsRequest request, int input, String reason,
            String message) {
        String field = "inputs[" + input + "].uri";
        BadRequest details = BadRequest.newBuilder().addFieldViolations(FieldViolation.newBuilder()
                .setField(field).setReason(reason).setDescription(message)).build();
        return GrpcErrors.error(Code.INVALID_ARGUMENT, reason, field + ": " + message,
                Map.of("uri", request.getInputs(input).getUri()), details);
    }

    private static MergeEvaluation evaluation(Evaluated e, Acquisition requested) {
        return MergeEvaluation.newBuilder().addAllWeights(e.weights()).setValidationLoss(e.loss())
                .setProposedBy(proposedBy(e.proposer(), requested)).build();
    }

    private static void deleteAll(Iterable<Path> files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("Could not delete %s: %s", file, e);
            }
        }
    }

    private void finish(SearchMergeWeightsRequest request, SearchMergeWeightsResult result,
            StreamObserver<SearchMergeWeightsResponse> responses) {
        responses.onNext(SearchMergeWeightsResponse.newBuilder().setResult(result).build());
        responses.onCompleted();
        // After the answer: the client never waits on Kafka, and a missing broker fails only the event.
        events.searchCompleted(result, request.getInputsList());
    }
}
