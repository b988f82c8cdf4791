package io.optimesh.coordinator.search;

import io.optimesh.v1.ParameterValue;

/** Building and reading {@link ParameterValue}s. */
public final class ParameterValues {

    private ParameterValues() {}

    public static ParameterValue ofFloat(double value) {
        return ParameterValue.newBuilder().setFloatValue(value).build();
    }

    public static ParameterValue ofInt(long value) {
        return ParameterValue.newBuilder().setIntValue(value).build();
    }

    public static ParameterValue ofCategory(String value) {
        return ParameterValue.newBuilder().setCategoricalValue(value).build();
    }

    /** The numeric value of a float or int value. */
    public static double asDouble(ParameterValue value) {
        return switch (value.getKindCase()) {
            case FLOAT_VALUE -> value.getFloatValue();
            case INT_VALUE -> value.getIntValue();
            default -> throw new IllegalArgumentException("not a numeric value: " + text(value));
        };
    }

    /** The value as a person would write it. */
    public static String text(ParameterValue value) {
        return switch (value.getKindCase()) {
            case FLOAT_VALUE -> Double.toString(value.getFloatValue());
            case INT_VALUE -> Long.toString(value.getIntValue());
            case CATEGORICAL_VALUE -> value.getCategoricalValue();
            case KIND_NOT_SET -> "(unset)";
        };
    }
}
