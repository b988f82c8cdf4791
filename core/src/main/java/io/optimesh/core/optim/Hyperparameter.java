package io.optimesh.core.optim;

/**
 * A hyper-parameter an algorithm reads from {@code OptimizerSpec.hyperparameters}, with the range
 * it accepts (both ends included). The learning rate and weight decay are not among them: the
 * schedule and the spec's own fields carry those for every algorithm.
 */
public record Hyperparameter(
        String name,
        String description,
        double defaultValue,
        double min,
        double max,
        boolean logScale) {

    public Hyperparameter {
        if (!(min <= defaultValue && defaultValue <= max)) {
            throw new IllegalArgumentException(
                    name + ": default " + defaultValue + " is outside [" + min + ", " + max + "]");
        }
        if (logScale && !(min > 0)) {
            throw new IllegalArgumentException(name + ": a log-scale range must be positive");
        }
    }

    public boolean accepts(double value) {
        return min <= value && value <= max;
    }
}
