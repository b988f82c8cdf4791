package io.optimesh.core.bayesopt;

import java.util.Arrays;

/**
 * The search domain: {@code lower[i] <= x[i] <= upper[i]}. The optimiser works in the unit box and maps
 * points back with {@link #fromUnit}, so that length-scales mean the same whatever the units.
 */
public record Box(double[] lower, double[] upper) {

    public Box {
        if (lower.length == 0 || lower.length != upper.length) {
            throw new IllegalArgumentException("a box needs as many lower as upper bounds, at least one; got "
                    + lower.length + " and " + upper.length);
        }
        for (int i = 0; i < lower.length; i++) {
            if (!(Double.isFinite(lower[i]) && Double.isFinite(upper[i]) && lower[i] < upper[i])) {
                throw new IllegalArgumentException("dimension " + i + " needs finite bounds with lower < upper, got ["
                        + lower[i] + ", " + upper[i] + "]");
            }
        }
        lower = lower.clone();
        upper = upper.clone();
    }

    /** The unit box of {@code dimensions} dimensions. */
    public static Box unit(int dimensions) {
        double[] upper = new double[dimensions];
        Arrays.fill(upper, 1);
        return new Box(new double[dimensions], upper);
    }

    /** One interval. */
    public static Box interval(double lower, double upper) {
        return new Box(new double[] {lower}, new double[] {upper});
    }

    public int dimensions() {
        return lower.length;
    }

    @Override
    public double[] lower() {
        return lower.clone();
    }

    @Override
    public double[] upper() {
        return upper.clone();
    }

    /** {@code u} in the unit box to this box. */
    public double[] fromUnit(double[] u) {
        double[] x = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            x[i] = lower[i] + Math.min(1, Math.max(0, u[i])) * (upper[i] - lower[i]);
        }
        return x;
    }

    /** {@code x} in this box to the unit box. */
    public double[] toUnit(double[] x) {
        checkDimensions(x);
        double[] u = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            u[i] = (x[i] - lower[i]) / (upper[i] - lower[i]);
        }
        return u;
    }

    /** Whether {@code x} lies in the box (bounds included). */
    public boolean contains(double[] x) {
        checkDimensions(x);
        for (int i = 0; i < x.length; i++) {
            if (!(x[i] >= lower[i] && x[i] <= upper[i])) {
                return false;
            }
        }
        return true;
    }

    private void checkDimensions(double[] x) {
        if (x.length != lower.length) {
            throw new IllegalArgumentException("a point of this box has " + lower.length + " coordinates, got "
                    + x.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Box b && Arrays.equals(lower, b.lower) && Arrays.equals(upper, b.upper);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(lower) + Arrays.hashCode(upper);
    }

    @Override
    public String toString() {
        return "Box" + Arrays.toString(lower) + ".." + Arrays.toString(upper);
    }
}
