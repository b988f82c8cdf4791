package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * RMSProp in the arithmetic order of PyTorch's single-tensor implementation:
 *
 * <pre>
 *   g += wd p
 *   s = alpha s + (1 - alpha) g^2
 *   centred:  a = lerp(a, g, 1 - alpha);  d = sqrt(s - a^2) + eps
 *   otherwise:                             d = sqrt(s) + eps
 *   momentum:  b = momentum b + g / d;  p -= lr b
 *   otherwise: p -= lr g / d
 * </pre>
 *
 * State: s, b, a. All three are kept whatever the settings, so the state's shape does not depend
 * on them; the unused ones stay zero.
 */
public final class RmsProp implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    new Hyperparameter(
                            "alpha",
                            "Decay of the mean of squared gradients.",
                            0.99,
                            0.0,
                            0.9999,
                            false),
                    Hyperparameter.eps("Added to the root of the mean square to bound the step.", 1e-8),
                    new Hyperparameter(
                            "momentum",
                            "Decay of the buffer of normalised steps; 0 takes the step directly.",
                            0.0,
                            0.0,
                            0.999,
                            false),
                    new Hyperparameter(
                            "centered",
                            "1 to divide by the centred variance (mean square minus squared mean"
                                    + " gradient), 0 by the mean square.",
                            0.0,
                            0.0,
                            1.0,
                            false));

    @Override
    public String name() {
        return "rmsprop";
    }

    @Override
    public String displayName() {
        return "RMSProp";
    }

    @Override
    public String description() {
        return "Steps scaled by the root of a running mean of squared gradients, optionally"
                   + " centred and with momentum; weight decay as L2 in the gradient.";
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
        return 3;
    }

    @Override
    public String reference() {
        return "Hinton, Srivastava & Swersky 2012, Coursera NN lecture 6e; Graves 2013, arXiv"
                   + " 1308.0850 (centred)";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        if (values[3] != 0 && values[3] != 1) {
            throw new IllegalArgumentException(
                    "rmsprop centered must be 0 or 1, got " + values[3]);
        }
        float alpha = (float) values[0];
        float oneMinusAlpha = (float) (1 - values[0]);
        float eps = (float) values[1];
        float momentum = (float) values[2];
        boolean withMomentum = values[2] > 0;
        boolean centered = values[3] == 1;
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 3);
            float[] squareAvg = state[0];
            float[] buffer = state[1];
            float[] gradAvg = state[2];
            float lr = (float) learningRate;
            float wd = (float) weightDecay;
            for (int i = 0; i < parameters.length; i++) {
                float g = gradients[i] + wd * parameters[i];
                squareAvg[i] = squareAvg[i] * alpha + oneMinusAlpha * g * g;
                float avg;
                if (centered) {
                    gradAvg[i] = Fp32.lerp(gradAvg[i], g, oneMinusAlpha);
                    avg = Fp32.sqrt(squareAvg[i] + -1f * gradAvg[i] * gradAvg[i]) + eps;
                } else {
                    avg = Fp32.sqrt(squareAvg[i]) + eps;
                }
                if (withMomentum) {
                    buffer[i] = buffer[i] * momentum + g / avg;
                    parameters[i] += -lr * buffer[i];
                } else {
                    parameters[i] += -lr * g / avg;
                }
            }
        };
    }
}
