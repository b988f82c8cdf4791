package io.optimesh.core.optim;

/** Checks for hyper-parameters that carry a switch or a count in their double value. */
final class Knobs {

    private Knobs() {}

    /** A switch: 0 is off, 1 is on, anything else is refused. */
    static boolean flag(String algorithm, String name, double value) {
        if (value != 0 && value != 1) {
            throw new IllegalArgumentException(
                    algorithm + " " + name + " must be 0 or 1, got " + value);
        }
        return value == 1;
    }

    /** A count: a whole number (the range was checked by {@link Algorithm#resolve}). */
    static int count(String algorithm, String name, double value) {
        if (value != Math.rint(value)) {
            throw new IllegalArgumentException(
                    algorithm + " " + name + " must be a whole number, got " + value);
        }
        return (int) value;
    }
}
