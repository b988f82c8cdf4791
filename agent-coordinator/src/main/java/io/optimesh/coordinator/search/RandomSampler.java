package io.optimesh.coordinator.search;

import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.IntDomain;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Independent uniform draws: linear ranges uniformly, log ranges uniformly in the logarithm,
 * categories with equal probability; conditional parameters only when their condition holds.
 *
 * <p>Trial {@code i} draws from a generator seeded by (seed, i) alone, so a proposal can be
 * recomputed after a restart without replaying earlier draws.
 */
public final class RandomSampler implements Sampler {

    private final List<SearchParameter> parameters;
    private final long seed;

    public RandomSampler(SearchSpace space, long seed) {
        this.parameters = SearchSpaces.ordered(space);
        this.seed = seed;
    }

    @Override
    public Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history) {
        SplittableRandom random = new SplittableRandom(trialSeed(seed, index));
        Map<String, ParameterValue> values = new LinkedHashMap<>();
        for (SearchParameter p : parameters) {
            if (SearchSpaces.active(p, values)) {
                values.put(p.getName(), draw(p, random));
            }
        }
        return Optional.of(Collections.unmodifiableMap(values));
    }

    static ParameterValue draw(SearchParameter p, SplittableRandom random) {
        return switch (p.getDomainCase()) {
            case FLOAT_DOMAIN -> ParameterValues.ofFloat(drawFloat(p.getFloatDomain(), random));
            case INT_DOMAIN -> ParameterValues.ofInt(drawInt(p.getIntDomain(), random));
            case CATEGORICAL_DOMAIN -> {
                List<String> values = p.getCategoricalDomain().getValuesList();
                yield ParameterValues.ofCategory(values.get(random.nextInt(values.size())));
            }
            case DOMAIN_NOT_SET ->
                    throw new IllegalArgumentException(p.getName() + " has no domain");
        };
    }

    static double drawFloat(FloatDomain d, SplittableRandom random) {
        double u = random.nextDouble();
        double x =
                d.getLog()
                        ? Math.exp(
                                Math.log(d.getMin())
                                        + u * (Math.log(d.getMax()) - Math.log(d.getMin())))
                        : d.getMin() + u * (d.getMax() - d.getMin());
        // exp/log and the multiply can round a hair outside the range.
        return Math.min(d.getMax(), Math.max(d.getMin(), x));
    }

    static long drawInt(IntDomain d, SplittableRandom random) {
        if (d.getLog()) {
            // Log-uniform over [min, max + 1) then floored: integer k has probability log((k+1)/k)
            // / Z.
            double lo = Math.log(d.getMin());
            double hi = Math.log(d.getMax() + 1.0);
            long k = (long) Math.floor(Math.exp(lo + random.nextDouble() * (hi - lo)));
            return Math.min(d.getMax(), Math.max(d.getMin(), k));
        }
        return random.nextLong(d.getMin(), d.getMax() + 1);
    }

    /** Stafford's mix13 of the seed and the index: independent streams for nearby indices. */
    static long trialSeed(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
