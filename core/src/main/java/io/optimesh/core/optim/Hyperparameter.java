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

    /** Adam-family first-moment decay: 0.9 by default, in [0, 0.999]. */
    static Hyperparameter beta1(String description) {
        return new Hyperparameter("beta1", description, 0.9, 0.0, 0.999, false);
    }

    /** Adam-family second-moment decay: 0.999 by default, in [0, 0.99999]. */
    static Hyperparameter beta2(String description) {
        return new Hyperparameter("beta2", description, 0.999, 0.0, 0.99999, false);
    }

    /** A denominator's safety term, log-scaled in [1e-12, 1e-3]. */
    static Hyperparameter eps(String description, double defaultValue) {
        return new Hyperparameter("eps", description, defaultValue, 1e-12, 1e-3, true);
    }
}
