package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * Adamax (Adam under the infinity norm) in the arithmetic order of PyTorch's single-tensor
 * implementation:
 *
 * <pre>
 *   g += wd p
 *   m = lerp(m, g, 1 - beta1)
 *   u = max(beta2 u, |g| + eps)
 *   p -= (lr / (1 - beta1^t)) m / u
 * </pre>
 *
 * State: m then u. The second moment needs no bias correction: the max forgets its zero start.
 */
public final class Adamax implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Decay of the first-moment (mean) estimate."),
                    Hyperparameter.beta2("Decay of the infinity-norm estimate."),
                    Hyperparameter.eps("Added to |g| before the max, so the divisor is never zero.", 1e-8));

    @Override
    public String name() {
        return "adamax";
    }

    @Override
    public String displayName() {
        return "Adamax";
    }

    @Override
    public String description() {
        return "Adam with the second moment replaced by an exponentially weighted infinity norm;"
                   + " weight decay as L2 in the gradient.";
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
        return 2;
    }

    @Override
    public String reference() {
        return "Kingma & Ba 2015, arXiv 1412.6980, section 7";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        double beta1 = values[0];
        float oneMinusBeta1 = (float) (1 - beta1);
        float beta2 = (float) values[1];
        float eps = (float) values[2];
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 2);
            if (step < 1) {
                throw new IllegalArgumentException("Adamax steps count from 1, got " + step);
            }
            float[] m = state[0];
            float[] u = state[1];
            float clr = (float) (learningRate / (1 - Math.pow(beta1, step)));
            float wd = (float) weightDecay;
            for (int i = 0; i < parameters.length; i++) {
                float g = gradients[i] + wd * parameters[i];
                m[i] = Fp32.lerp(m[i], g, oneMinusBeta1);
                u[i] = Math.max(u[i] * beta2, Math.abs(g) + eps);
                parameters[i] += -clr * m[i] / u[i];
            }
        };
    }
}
