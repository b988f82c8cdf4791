package io.optimesh.coordinator.search;

import io.optimesh.core.bayesopt.BayesianOptimizer;
import io.optimesh.core.bayesopt.Box;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bayesian optimisation with a Gaussian process (core's {@code io.optimesh.core.bayesopt}:
 * Matern-5/2 ARD kernel with noise, hyper-parameters by type-II maximum likelihood) over the
 * unconditional float and integer parameters mapped into the unit box ({@link UnitBox}), each
 * proposal the maximiser of expected improvement. The first {@code startupTrials} proposals, and
 * any made while fewer than two trials have succeeded, are the {@link SobolSampler}'s; categorical
 * and conditional parameters are drawn at random, as for {@link CmaEsSampler}.
 *
 * <p>The optimiser is rebuilt at each proposal from the succeeded trials in creation order and
 * seeded by (seed, index), so a proposal depends on nothing but the seed, the index and the
 * history. That is also why the acquisition is expected improvement alone: GP-Hedge's gains would
 * depend on every earlier suggestion, which the log does not hold.
 */
public final class GpBoSampler implements Sampler {

    public static final int DEFAULT_STARTUP_TRIALS = 10;

    private final List<SearchParameter> continuous = new ArrayList<>();
    private final SobolSampler startup;
    private final RandomSampler independent;
    private final long seed;
    private final int startupTrials;

    public GpBoSampler(SearchSpace space, long seed) {
        this(space, seed, DEFAULT_STARTUP_TRIALS);
    }

    public GpBoSampler(SearchSpace space, long seed, int startupTrials) {
        for (SearchParameter p : SearchSpaces.ordered(space)) {
            if (!p.hasCondition()
                    && (p.getDomainCase() == SearchParameter.DomainCase.FLOAT_DOMAIN
                            || p.getDomainCase() == SearchParameter.DomainCase.INT_DOMAIN)) {
                continuous.add(p);
            }
        }
        this.seed = seed;
        this.startupTrials = startupTrials;
        this.startup = new SobolSampler(space, seed);
        this.independent = new RandomSampler(space, RandomSampler.trialSeed(seed, -2));
    }

    @Override
    public Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history) {
        List<Trial> succeeded = new ArrayList<>();
        for (Trial t : history) {
            if (t.getState() == TrialState.TRIAL_STATE_SUCCEEDED
                    && t.hasObjectiveValue()
                    && Double.isFinite(t.getObjectiveValue())) {
                succeeded.add(t);
            }
        }
        if (continuous.isEmpty() || index < startupTrials || succeeded.size() < 2) {
            return startup.propose(index, history);
        }
        int n = continuous.size();
        BayesianOptimizer bo =
                new BayesianOptimizer(
                        Box.unit(n),
                        List.of(),
                        BayesianOptimizer.Settings.defaults()
                                .withStrategy(BayesianOptimizer.Strategy.EXPECTED_IMPROVEMENT),
                        RandomSampler.trialSeed(seed, index));
        for (Trial t : succeeded) {
            double[] u = new double[n];
            for (int j = 0; j < n; j++) {
                SearchParameter p = continuous.get(j);
                ParameterValue v = t.getParametersMap().get(p.getName());
                u[j] = v == null ? 0.5 : Math.min(1, Math.max(0, UnitBox.toUnit(p, v)));
            }
            bo.observe(u, t.getObjectiveValue());
        }
        double[] x = bo.suggest().point();
        Map<String, ParameterValue> values =
                new LinkedHashMap<>(independent.propose(index, history).orElseThrow());
        for (int j = 0; j < n; j++) {
            values.put(continuous.get(j).getName(), UnitBox.fromUnit(continuous.get(j), x[j]));
        }
        return Optional.of(Collections.unmodifiableMap(values));
    }
}
