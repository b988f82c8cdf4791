package io.optimesh.trainer.training;

import io.optimesh.core.optim.Algorithm;
import io.optimesh.core.optim.AlgorithmCatalog;
import io.optimesh.core.optim.ParameterGroups;
import io.optimesh.core.optim.UpdateRule;
import java.util.Map;
import java.util.Optional;

/**
 * Which of optimizer-svc's algorithms a run uses and how: the algorithm of {@link AlgorithmCatalog}
 * (the same code optimizer-svc serves), its hyper-parameters (unset ones take the algorithm's
 * defaults), the weight decay of the decayed group and the rule that sorts tensors into groups. The
 * learning rate is not here: the schedule gives it per step.
 */
public record OptimizerSettings(
        Algorithm algorithm, Map<String, Double> hyperparameters, double weightDecay, ParameterGroups groups) {

    /**
     * @throws IllegalArgumentException for a hyper-parameter the algorithm does not read or a value
     *     outside its range, or a negative weight decay
     */
    public OptimizerSettings {
        hyperparameters = Map.copyOf(hyperparameters);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and not negative, got " + weightDecay);
        }
        algorithm.configure(hyperparameters);
    }

    /** The catalog's algorithm of that name, e.g. {@code adamw}. */
    public static Optional<Algorithm> algorithm(String name) {
        return AlgorithmCatalog.all().stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /**
     * The named algorithm with these hyper-parameters and the default parameter groups.
     *
     * @throws IllegalArgumentException for an unknown algorithm or hyper-parameter, or a value out of range
     */
    public static OptimizerSettings of(String algorithm, Map<String, Double> hyperparameters, double weightDecay) {
        Algorithm found = algorithm(algorithm).orElseThrow(() -> new IllegalArgumentException(
                "unknown optimizer algorithm '" + algorithm + "'; known: "
                        + AlgorithmCatalog.all().stream().map(Algorithm::name).toList()));
        return new OptimizerSettings(found, hyperparameters, weightDecay, ParameterGroups.defaults());
    }

    /** The update rule these settings configure. */
    public UpdateRule rule() {
        return algorithm.configure(hyperparameters);
    }
}
