package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * SGD with Nesterov momentum in PyTorch's form (nesterov=True, no dampening): g' = g + wd p,
 * b = mu b + g', p -= lr (g' + mu b). The buffer starts at zero, so the first buffer is g'.
 */
public final class Nesterov implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    new Hyperparameter(
                            "momentum",
                            "Decay of the velocity buffer, mu; the step looks ahead along it.",
                            0.9,
                            0.0,
                            0.999,
                            false));

    @Override
    public String name() {
        return "nesterov";
    }

    @Override
    public String displayName() {
        return "SGD with Nesterov momentum";
    }

    @Override
    public String description() {
        return "Nesterov momentum, b = mu b + (g + wd p), p -= lr (g + wd p + mu b); weight decay"
                   + " as L2 in the gradient.";
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
        return "Nesterov 1983; Sutskever et al. 2013 (the form PyTorch's SGD uses with"
                   + " nesterov=True)";
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
                float g = gradients[i] + wd * parameters[i];
                velocity[i] = mu * velocity[i] + g;
                parameters[i] -= lr * (g + mu * velocity[i]);
            }
        };
    }
}
