package io.optimesh.merge.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.optimesh.core.bayesopt.BayesianOptimizer.Proposer;
import io.optimesh.merge.method.AdjacentMerge;
import io.optimesh.merge.method.CheckpointMerger;
import io.optimesh.merge.method.LinearMerge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightSearchTest {

    @TempDir
    Path dir;

    private final RegressionCheckpoints model = new RegressionCheckpoints();

    /** The real thing in small: merge the two files with the weights, then score the merged file. */
    private MergeObjective adjacentObjective(List<Path> inputs, List<List<Double>> calls) {
        return (candidate, weights) -> {
            calls.add(weights);
            Path out = dir.resolve("candidate-" + candidate + ".safetensors");
            try {
                new CheckpointMerger().merge(inputs, out, AdjacentMerge.of(weights.get(0)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return model.loss(out);
        };
    }

    @Test
    void bayesianSearchOfTheAdjacentMergeFindsTheBestLambdaInTenEvaluations() throws IOException {
        List<Path> inputs = model.write(dir);
        double lambda = model.bestLambda();
        assertThat(lambda).as("the best merge lies inside [0.2, 1]").isBetween(0.3, 0.9);
        List<List<Double>> calls = new ArrayList<>();
        List<Evaluated> streamed = new ArrayList<>();
        WeightSearch.Outcome bo = new WeightSearch(WeightSpace.adjacent(0.2), SearchStrategy.GP_HEDGE, 10, 1)
                .run(adjacentObjective(inputs, calls), streamed::add);

        // Seed 002's start, then the acquisitions' picks; every evaluation streamed once, none repeated.
        assertThat(bo.evaluations().get(0).weights()).containsExactly(0.2);
        assertThat(bo.evaluations().get(1).weights()).containsExactly(1.0);
        assertThat(bo.evaluations()).extracting(Evaluated::proposer).startsWith(Proposer.INITIAL_DESIGN,
                Proposer.INITIAL_DESIGN);
        assertThat(streamed).isEqualTo(bo.evaluations());
        assertThat(calls).hasSameSizeAs(bo.evaluations()).doesNotHaveDuplicates();
        assertThat(bo.evaluations().size()).isBetween(3, 10);

        double optimum = mergedLoss(inputs, lambda);
        assertThat(bo.best().weights().get(0)).isCloseTo(lambda, offset(0.02));
        // The loss is steep here (185 times its minimum at lambda = 0.2): 2% of the exact optimum's loss.
        assertThat(bo.best().loss()).isLessThan(optimum * 1.02);
        // The merge beats both checkpoints by far.
        assertThat(bo.best().loss()).isLessThan(0.5 * Math.min(model.loss(inputs.get(0)), model.loss(inputs.get(1))));

        // Within 0.5% of a 30-point grid's best, which spends three times the evaluations.
        WeightSearch.Outcome grid = new WeightSearch(WeightSpace.adjacent(0.2), SearchStrategy.GRID, 30, 1)
                .run(adjacentObjective(inputs, new ArrayList<>()), e -> { });
        assertThat(grid.evaluations()).hasSize(30);
        assertThat(grid.evaluations()).extracting(Evaluated::proposer).containsOnlyNulls();
        assertThat(bo.best().loss()).isLessThan(grid.best().loss() * 1.005);

        // The posterior slice spans [alpha, 1] and agrees with what was measured.
        WeightSearch.Posterior posterior = bo.posterior().orElseThrow();
        assertThat(posterior.points()).hasSize(WeightSearch.POSTERIOR_POINTS);
        assertThat(posterior.points()[0]).isEqualTo(0.2);
        assertThat(posterior.points()[WeightSearch.POSTERIOR_POINTS - 1]).isEqualTo(1.0);
        Evaluated last = bo.evaluations().get(1);
        assertThat(posterior.mean()[WeightSearch.POSTERIOR_POINTS - 1]).isCloseTo(last.loss(),
                offset(0.05 * last.loss() + 3 * posterior.standardDeviation()[WeightSearch.POSTERIOR_POINTS - 1]));
        assertThat(java.util.Arrays.stream(posterior.standardDeviation()).allMatch(s -> s >= 0 && Double.isFinite(s))).isTrue();
    }

    @Test
    void randomBaselineSpendsTheBudgetOnDistinctPoints() throws IOException {
        List<Path> inputs = model.write(dir);
        List<List<Double>> calls = new ArrayList<>();
        WeightSearch.Outcome random = new WeightSearch(WeightSpace.adjacent(0), SearchStrategy.RANDOM, 6, 3)
                .run(adjacentObjective(inputs, calls), e -> { });
        assertThat(random.evaluations()).hasSize(6);
        assertThat(calls).hasSize(6).doesNotHaveDuplicates();
        assertThat(random.best().loss()).isEqualTo(random.evaluations().stream().mapToDouble(Evaluated::loss).min()
                .orElseThrow());
        assertThat(random.posterior()).isPresent();
    }

    @Test
    void repeatedCandidatesAreAnsweredFromTheCache() {
        // A flat objective: after its ends, the Bayesian search keeps proposing points it has seen.
        List<List<Double>> calls = new ArrayList<>();
        WeightSearch.Outcome outcome = new WeightSearch(WeightSpace.adjacent(0.5), SearchStrategy.EXPECTED_IMPROVEMENT,
                5, 2).run((candidate, weights) -> {
                    calls.add(weights);
                    return 2.0 + Math.rint(weights.get(0) * 2) / 1e6;
                }, e -> { });
        assertThat(calls).hasSameSizeAs(outcome.evaluations()).doesNotHaveDuplicates();
        assertThat(outcome.evaluations()).extracting(Evaluated::candidate)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, outcome.evaluations().size()).boxed().toList());
    }

    @Test
    void linearSpaceBreaksTheStickFromTheNewestCheckpoint() {
        WeightSpace three = WeightSpace.linear(3);
        assertThat(three.box().dimensions()).isEqualTo(2);
        assertThat(three.weights(new double[] {0.5, 0.5})).containsExactly(0.25, 0.25, 0.5);
        assertThat(three.initialDesign().subList(0, 3)).extracting(three::weights).containsExactly(
                List.of(0.0, 0.0, 1.0), List.of(0.0, 1.0, 0.0), List.of(1.0, 0.0, 0.0));
        assertThat(three.weights(three.initialDesign().get(3))).allSatisfy(w -> assertThat(w).isCloseTo(1 / 3.0,
                offset(1e-15)));
        WeightSpace two = WeightSpace.linear(2);
        assertThat(two.weights(new double[] {0.7})).containsExactly(0.30000000000000004, 0.7);
    }

    @Test
    void linearSearchOverThreeCheckpointsImprovesOnEachOfThem() throws IOException {
        List<Path> pair = model.write(dir);
        // A third checkpoint: the plain average of the two, so the best of the simplex is no single input.
        Path third = dir.resolve("step-000150.safetensors");
        new CheckpointMerger().merge(pair, third, LinearMerge.uniform(2));
        List<Path> inputs = List.of(pair.get(0), third, pair.get(1));
        WeightSearch.Outcome outcome = new WeightSearch(WeightSpace.linear(3), SearchStrategy.GP_HEDGE, 12, 5)
                .run((candidate, weights) -> {
                    Path out = dir.resolve("linear-" + candidate + ".safetensors");
                    try {
                        new CheckpointMerger().merge(inputs, out,
                                LinearMerge.normalised(weights.stream().mapToDouble(Double::doubleValue).toArray()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return model.loss(out);
                }, e -> { });
        double bestSingle = inputs.stream().mapToDouble(model::loss).min().orElseThrow();
        assertThat(outcome.best().loss()).isLessThan(bestSingle);
        assertThat(outcome.best().weights().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1, offset(1e-12));
        assertThat(outcome.posterior()).isEmpty();
    }

    private double mergedLoss(List<Path> inputs, double lambda) throws IOException {
        Path out = dir.resolve("optimum.safetensors");
        new CheckpointMerger().merge(inputs, out, AdjacentMerge.of(lambda));
        return model.loss(out);
    }
}
