package io.optimesh.law.model;

import java.util.Objects;

/**
 * A named law parameter: hard bounds the fit never leaves, and the narrower range fits start from.
 *
 * @param name the name the papers use
 * @param lower hard lower bound
 * @param upper hard upper bound
 * @param startLower lower end of the start range
 * @param startUpper upper end of the start range
 * @param logScale whether the parameter spans decades (searched and bounded on a log scale; needs
 *     {@code lower > 0})
 */
public record Parameter(String name, double lower, double upper, double startLower, double startUpper,
        boolean logScale) {

    public Parameter {
        Objects.requireNonNull(name, "name");
        if (!(lower < upper) || !(lower <= startLower && startLower <= startUpper && startUpper <= upper)) {
            throw new IllegalArgumentException(name + ": need lower <= startLower <= startUpper <= upper, lower < upper");
        }
        if (logScale && !(lower > 0)) {
            throw new IllegalArgumentException(name + ": a log-scaled parameter needs a positive lower bound");
        }
    }

    public static Parameter linear(String name, double lower, double upper, double startLower, double startUpper) {
        return new Parameter(name, lower, upper, startLower, startUpper, false);
    }

    public static Parameter log(String name, double lower, double upper, double startLower, double startUpper) {
        return new Parameter(name, lower, upper, startLower, startUpper, true);
    }
}
