package io.optimesh.coordinator.search;

import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.IntDomain;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

/**
 * Every combination of a grid over the space, in an order shuffled by the seed so that a budget
 * smaller than the grid still spreads over it. Categories take every value; float ranges take
 * {@code pointsPerAxis} evenly spaced points (geometrically on a log scale), bounds included; int
 * ranges take every value when they have at most that many, otherwise as many spread points.
 * Conditional parameters multiply only the branches where their condition holds.
 */
public final class GridSampler implements Sampler {

    /** Grids are enumerated up front; larger ones are refused when the study is created. */
    public static final int MAX_POINTS = 100_000;

    private final List<Map<String, ParameterValue>> points;

    public GridSampler(SearchSpace space, int pointsPerAxis, long seed) {
        List<Map<String, ParameterValue>> grid = enumerate(space, pointsPerAxis);
        Collections.shuffle(grid, new Random(seed));
        this.points = List.copyOf(grid);
    }

    /** Number of grid points, or -1 when there are more than {@link #MAX_POINTS}. */
    public static int size(SearchSpace space, int pointsPerAxis) {
        try {
            return enumerate(space, pointsPerAxis).size();
        } catch (GridTooLargeException e) {
            return -1;
        }
    }

    @Override
    public Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history) {
        return index < points.size() ? Optional.of(points.get(index)) : Optional.empty();
    }

    private static List<Map<String, ParameterValue>> enumerate(
            SearchSpace space, int pointsPerAxis) {
        if (pointsPerAxis < 2) {
            throw new IllegalArgumentException("a grid needs at least 2 points per axis");
        }
        List<Map<String, ParameterValue>> partial = new ArrayList<>();
        partial.add(new LinkedHashMap<>());
        for (SearchParameter p : SearchSpaces.ordered(space)) {
            List<ParameterValue> axis = axis(p, pointsPerAxis);
            List<Map<String, ParameterValue>> next = new ArrayList<>();
            for (Map<String, ParameterValue> assignment : partial) {
                if (!SearchSpaces.active(p, assignment)) {
                    next.add(assignment);
                    continue;
                }
                for (ParameterValue v : axis) {
                    Map<String, ParameterValue> extended = new LinkedHashMap<>(assignment);
                    extended.put(p.getName(), v);
                    next.add(extended);
                    if (next.size() > MAX_POINTS) {
                        throw new GridTooLargeException();
                    }
                }
            }
            partial = next;
        }
        List<Map<String, ParameterValue>> grid = new ArrayList<>(partial.size());
        for (Map<String, ParameterValue> assignment : partial) {
            grid.add(Collections.unmodifiableMap(assignment));
        }
        return grid;
    }

    static List<ParameterValue> axis(SearchParameter p, int n) {
        List<ParameterValue> axis = new ArrayList<>();
        switch (p.getDomainCase()) {
            case FLOAT_DOMAIN -> {
                for (double x : floatAxis(p.getFloatDomain(), n)) {
                    axis.add(ParameterValues.ofFloat(x));
                }
            }
            case INT_DOMAIN -> {
                for (long k : intAxis(p.getIntDomain(), n)) {
                    axis.add(ParameterValues.ofInt(k));
                }
            }
            case CATEGORICAL_DOMAIN -> {
                for (String v : p.getCategoricalDomain().getValuesList()) {
                    axis.add(ParameterValues.ofCategory(v));
                }
            }
            case DOMAIN_NOT_SET ->
                    throw new IllegalArgumentException(p.getName() + " has no domain");
        }
        return axis;
    }

    static double[] floatAxis(FloatDomain d, int n) {
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / (n - 1);
            xs[i] =
                    d.getLog()
                            ? Math.exp(
                                    Math.log(d.getMin())
                                            + t * (Math.log(d.getMax()) - Math.log(d.getMin())))
                            : d.getMin() + t * (d.getMax() - d.getMin());
        }
        // The ends exactly, whatever exp/log rounding did.
        xs[0] = d.getMin();
        xs[n - 1] = d.getMax();
        return xs;
    }

    static List<Long> intAxis(IntDomain d, int n) {
        TreeSet<Long> ks = new TreeSet<>();
        if (d.getMax() - d.getMin() + 1 <= n) {
            for (long k = d.getMin(); k <= d.getMax(); k++) {
                ks.add(k);
            }
            return List.copyOf(ks);
        }
        FloatDomain asFloat =
                FloatDomain.newBuilder()
                        .setMin(d.getMin())
                        .setMax(d.getMax())
                        .setLog(d.getLog())
                        .build();
        for (double x : floatAxis(asFloat, n)) {
            ks.add(Math.round(x));
        }
        return List.copyOf(ks);
    }

    private static final class GridTooLargeException extends RuntimeException {
        GridTooLargeException() {
            super("grid larger than " + MAX_POINTS + " points", null, false, false);
        }
    }
}
