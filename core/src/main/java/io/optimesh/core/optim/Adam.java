package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW, in the arithmetic order of PyTorch's single-tensor implementation:
 *
 * <pre>
 *   Adam:  g += wd p          AdamW:  p *= 1 - lr wd
 *   m  = lerp(m, g, 1 - beta1)
 *   v  = beta2 v + (1 - beta2) g^2    (as addcmul: ((1 - beta2) g) g)
 *   p -= (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * State: m then v. Bias corrections are computed in double, like PyTorch's Python scalars.
 */
public final class Adam implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Decay of the first-moment (mean) estimate."),
                    Hyperparameter.beta2("Decay of the second-moment (uncentred variance) estimate."),
                    Hyperparameter.eps("Added to the root of the second moment to bound the step.", 1e-8));

    private final boolean decoupled;

    private Adam(boolean decoupled) {
        this.decoupled = decoupled;
    }

    /** Adam, weight decay as L2 in the gradient. */
    public static Adam adam() {
        return new Adam(false);
    }

    /** AdamW, weight decay decoupled from the adaptive step. */
    public static Adam adamW() {
        return new Adam(true);
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    public String displayName() {
        return decoupled ? "AdamW" : "Adam";
    }

    @Override
    public String description() {
        return decoupled
                ? "Adam with decoupled weight decay: the weights shrink by lr wd each step, outside"
                      + " the adaptive step."
                : "Adaptive moment estimation with bias correction; weight decay as L2 in the"
                      + " gradient.";
    }

    @Override
    public List<Hyperparameter> hyperparameters() {
        return HYPERPARAMETERS;
    }

    @Override
    public boolean decoupledWeightDecay() {
        return decoupled;
    }

    @Override
    public int stateFloatsPerParameter() {
        return 2;
    }

    @Override
    public String reference() {
        return decoupled
                ? "Loshchilov & Hutter 2019, arXiv 1711.05101"
                : "Kingma & Ba 2015, arXiv 1412.6980";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        double beta1 = values[0];
        double beta2 = values[1];
        float eps = (float) values[2];
        float oneMinusBeta1 = (float) (1 - beta1);
        float beta2f = (float) beta2;
        float oneMinusBeta2 = (float) (1 - beta2);
        return (ElementwiseRule)
                (parameters, gradients, state, step, learningRate, weightDecay, from, to) -> {
                    Algorithm.checkShapes(parameters, gradients, state, 2);
                    Algorithm.checkRange(parameters, from, to);
                    if (step < 1) {
                        throw new IllegalArgumentException("Adam steps count from 1, got " + step);
                    }
                    float[] m = state[0];
                    float[] v = state[1];
                    float stepSize = (float) (learningRate / (1 - Math.pow(beta1, step)));
                    float biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
                    float wd = (float) weightDecay;
                    float shrink = (float) (1 - learningRate * weightDecay);
                    // Two loops rather than a test per element keep each one simple enough for the
                    // JIT to vectorise; the arithmetic per element is the same.
                    if (decoupled) {
                        for (int i = from; i < to; i++) {
                            float p = parameters[i] * shrink;
                            float g = gradients[i];
                            float mi = Fp32.lerp(m[i], g, oneMinusBeta1);
                            float vi = v[i] * beta2f + oneMinusBeta2 * g * g;
                            m[i] = mi;
                            v[i] = vi;
                            float denominator = (float) Math.sqrt(vi) / biasCorrection2Sqrt + eps;
                            parameters[i] = p - stepSize * mi / denominator;
                        }
                    } else {
                        for (int i = from; i < to; i++) {
                            float g = gradients[i] + wd * parameters[i];
                            float mi = Fp32.lerp(m[i], g, oneMinusBeta1);
                            float vi = v[i] * beta2f + oneMinusBeta2 * g * g;
                            m[i] = mi;
                            v[i] = vi;
                            float denominator = (float) Math.sqrt(vi) / biasCorrection2Sqrt + eps;
                            parameters[i] -= stepSize * mi / denominator;
                        }
                    }
                };
    }
}
