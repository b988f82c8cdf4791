package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/** Plain stochastic gradient descent: p -= lr (g + wd p). */
public final class Sgd implements Algorithm {

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public String displayName() {
        return "SGD";
    }

    @Override
    public String description() {
        return "Stochastic gradient descent, p -= lr (g + wd p); weight decay as L2 in the"
                   + " gradient.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return List.of();
    }

    @Override
    public boolean decoupledWeightDecay() {
        return false;
    }

    @Override
    public int stateFloatsPerParameter() {
        return 0;
    }

    @Override
    public String reference() {
        return "Robbins & Monro 1951";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        Algorithm.resolve(name(), hyperparameters(), hyperparameters);
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 0);
            float lr = (float) learningRate;
            float wd = (float) weightDecay;
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] -= lr * (gradients[i] + wd * parameters[i]);
            }
        };
    }
}
