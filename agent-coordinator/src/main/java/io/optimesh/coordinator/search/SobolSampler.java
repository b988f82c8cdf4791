package io.optimesh.coordinator.search;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;

import org.hipparchus.random.SobolSequenceGenerator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Quasi-random points: trial {@code i} is point {@code i} of the Sobol sequence (Joe and Kuo's
 * direction numbers, Gray-code order, as Hipparchus generates it), digitally shifted by 52 random
 * bits per dimension drawn from the seed, then mapped through each parameter's scale ({@link
 * UnitBox}). The shift keeps the net property (the first 2^m points still fill every elementary
 * box once) while different seeds give different designs, and moves the first point off the corner
 * where every parameter sits at its minimum. Each parameter owns one dimension; a conditional one
 * uses its dimension only when its condition holds.
 */
public final class SobolSampler implements Sampler {

    /** Hipparchus' Sobol points are integers over 2^52. */
    static final int BITS = 52;

    private static final double SCALE = Math.pow(2, BITS);

    private final List<SearchParameter> parameters;
    private final SobolSequenceGenerator sobol;
    private final long[] shift;

    public SobolSampler(SearchSpace space, long seed) {
        this.parameters = SearchSpaces.ordered(space);
        this.sobol = new SobolSequenceGenerator(parameters.size());
        this.shift = new long[parameters.size()];
        SplittableRandom random = new SplittableRandom(RandomSampler.trialSeed(seed, -1));
        for (int j = 0; j < shift.length; j++) {
            shift[j] = random.nextLong() >>> (Long.SIZE - BITS);
        }
    }

    @Override
    public Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history) {
        double[] u = point(index);
        Map<String, ParameterValue> values = new LinkedHashMap<>();
        for (int j = 0; j < parameters.size(); j++) {
            SearchParameter p = parameters.get(j);
            if (SearchSpaces.active(p, values)) {
                values.put(p.getName(), UnitBox.fromUnit(p, u[j]));
            }
        }
        return Optional.of(Collections.unmodifiableMap(values));
    }

    /** Point {@code index} of the shifted sequence, in [0, 1)^n. */
    double[] point(int index) {
        double[] plain = plainPoint(index);
        double[] u = new double[plain.length];
        for (int j = 0; j < u.length; j++) {
            u[j] = ((long) (plain[j] * SCALE) ^ shift[j]) / SCALE;
        }
        return u;
    }

    /** Point {@code index} of the unshifted sequence; point 0 is the origin. */
    synchronized double[] plainPoint(int index) {
        // The generator keeps a cursor; skipTo makes the point a function of the index alone.
        return sobol.skipTo(index);
    }
}
