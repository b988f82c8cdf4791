package io.optimesh.coordinator.search;

import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.IntDomain;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;

import java.util.List;

/**
 * The unit interval mapped through a parameter's scale, for samplers that work in [0, 1)^n (Sobol,
 * CMA-ES): floats linearly or in the logarithm; integers as equal cells of [min, max + 1), in the
 * logarithm on a log scale; categories as equal cells.
 */
public final class UnitBox {

    private UnitBox() {}

    /** The value at {@code u} in [0, 1]. */
    public static ParameterValue fromUnit(SearchParameter p, double u) {
        double t = Math.min(1.0, Math.max(0.0, u));
        return switch (p.getDomainCase()) {
            case FLOAT_DOMAIN -> ParameterValues.ofFloat(floatAt(p.getFloatDomain(), t));
            case INT_DOMAIN -> ParameterValues.ofInt(intAt(p.getIntDomain(), t));
            case CATEGORICAL_DOMAIN -> {
                List<String> values = p.getCategoricalDomain().getValuesList();
                int k = Math.min(values.size() - 1, (int) Math.floor(t * values.size()));
                yield ParameterValues.ofCategory(values.get(k));
            }
            case DOMAIN_NOT_SET ->
                    throw new IllegalArgumentException(p.getName() + " has no domain");
        };
    }

    /**
     * Where a value lies in [0, 1]: the inverse of {@link #fromUnit} for floats, the centre of the
     * value's cell for integers and categories.
     */
    public static double toUnit(SearchParameter p, ParameterValue v) {
        return switch (p.getDomainCase()) {
            case FLOAT_DOMAIN -> {
                FloatDomain d = p.getFloatDomain();
                double x = ParameterValues.asDouble(v);
                yield d.getLog()
                        ? (Math.log(x) - Math.log(d.getMin()))
                                / (Math.log(d.getMax()) - Math.log(d.getMin()))
                        : (x - d.getMin()) / (d.getMax() - d.getMin());
            }
            case INT_DOMAIN -> {
                IntDomain d = p.getIntDomain();
                double k = ParameterValues.asDouble(v);
                yield d.getLog()
                        ? (0.5 * (Math.log(k) + Math.log(k + 1)) - Math.log(d.getMin()))
                                / (Math.log(d.getMax() + 1.0) - Math.log(d.getMin()))
                        : (k - d.getMin() + 0.5) / (d.getMax() - d.getMin() + 1.0);
            }
            case CATEGORICAL_DOMAIN -> {
                List<String> values = p.getCategoricalDomain().getValuesList();
                yield (values.indexOf(v.getCategoricalValue()) + 0.5) / values.size();
            }
            case DOMAIN_NOT_SET ->
                    throw new IllegalArgumentException(p.getName() + " has no domain");
        };
    }

    static double floatAt(FloatDomain d, double t) {
        double x =
                d.getLog()
                        ? Math.exp(
                                Math.log(d.getMin())
                                        + t * (Math.log(d.getMax()) - Math.log(d.getMin())))
                        : d.getMin() + t * (d.getMax() - d.getMin());
        return Math.min(d.getMax(), Math.max(d.getMin(), x));
    }

    static long intAt(IntDomain d, double t) {
        double k =
                d.getLog()
                        ? Math.exp(
                                Math.log(d.getMin())
                                        + t * (Math.log(d.getMax() + 1.0) - Math.log(d.getMin())))
                        : d.getMin() + t * (d.getMax() - d.getMin() + 1.0);
        return Math.min(d.getMax(), Math.max(d.getMin(), (long) Math.floor(k)));
    }
}
