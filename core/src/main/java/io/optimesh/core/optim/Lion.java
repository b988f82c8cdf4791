package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * Lion (evolved sign momentum), as in the paper's reference code:
 *
 * <pre>
 *   p *= 1 - lr wd
 *   p -= lr sign(beta1 m + (1 - beta1) g)
 *   m  = beta2 m + (1 - beta2) g
 * </pre>
 *
 * State: m. Every coordinate moves by exactly lr (or 0), so it wants a smaller lr and a larger
 * weight decay than AdamW.
 */
public final class Lion implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Weight of the momentum in the interpolation whose sign is the step."),
                    new Hyperparameter(
                            "beta2",
                            "Decay of the momentum itself.",
                            0.99,
                            0.0,
                            0.99999,
                            false));

    @Override
    public String name() {
        return "lion";
    }

    @Override
    public String displayName() {
        return "Lion";
    }

    @Override
    public String description() {
        return "Steps by lr times the sign of an interpolation of momentum and gradient; weight"
                   + " decay decoupled, the weights shrink by lr wd each step.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return HYPERPARAMETERS;
    }

    @Override
    public boolean decoupledWeightDecay() {
        return true;
    }

    @Override
    public int stateFloatsPerParameter() {
        return 1;
    }

    @Override
    public String reference() {
        return "Chen et al. 2023, arXiv 2302.06675";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        float beta1 = (float) values[0];
        float oneMinusBeta1 = (float) (1 - values[0]);
        float beta2 = (float) values[1];
        float oneMinusBeta2 = (float) (1 - values[1]);
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 1);
            float[] m = state[0];
            float lr = (float) learningRate;
            float shrink = (float) (1 - learningRate * weightDecay);
            for (int i = 0; i < parameters.length; i++) {
                float g = gradients[i];
                parameters[i] *= shrink;
                parameters[i] += -lr * Math.signum(m[i] * beta1 + oneMinusBeta1 * g);
                m[i] = m[i] * beta2 + oneMinusBeta2 * g;
            }
        };
    }
}
