package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * SGD with heavy-ball momentum in PyTorch's form: b = mu b + (g + wd p), p -= lr b. The buffer
 * starts at zero, so the first step is plain SGD.
 */
public final class Momentum implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    new Hyperparameter(
                            "momentum",
                            "Decay of the velocity buffer, mu.",
                            0.9,
                            0.0,
                            0.999,
                            false));

    @Override
    public String name() {
        return "momentum";
    }

    @Override
    public String displayName() {
        return "SGD with momentum";
    }

    @Override
    public String description() {
        return "Heavy-ball momentum, b = mu b + (g + wd p), p -= lr b; weight decay as L2 in the"
                   + " gradient.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return HYPERPARAMETERS;
    }

    @Override
    public boolean decoupledWeightDecay() {
        return false;
    }

    @Override
    public int stateFloatsPerParameter() {
        return 1;
    }

    @Override
    public String reference() {
        return "Polyak 1964; Sutskever et al. 2013 (the form PyTorch's SGD uses)";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        float mu = (float) Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters)[0];
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 1);
            float[] velocity = state[0];
            float lr = (float) learningRate;
            float wd = (float) weightDecay;
            for (int i = 0; i < parameters.length; i++) {
                velocity[i] = mu * velocity[i] + (gradients[i] + wd * parameters[i]);
                parameters[i] -= lr * velocity[i];
            }
        };
    }
}
