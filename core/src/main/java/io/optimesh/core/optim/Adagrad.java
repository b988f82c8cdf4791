package io.optimesh.core.optim;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * AdaGrad in the arithmetic order of PyTorch's single-tensor implementation:
 *
 * <pre>
 *   g += wd p
 *   clr = lr / (1 + (t - 1) lr_decay)
 *   s += g g
 *   p -= clr g / (sqrt(s) + eps)
 * </pre>
 *
 * State: the sum of squares s. The caller's state is zero before the first step, so step 1 first
 * sets it to initial_accumulator_value, as PyTorch does when it creates the state.
 */
public final class Adagrad implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    new Hyperparameter(
                            "lr_decay",
                            "Step t uses lr / (1 + (t - 1) lr_decay).",
                            0.0,
                            0.0,
                            1.0,
                            false),
                    new Hyperparameter(
                            "initial_accumulator_value",
                            "Starting value of the sum of squared gradients.",
                            0.0,
                            0.0,
                            10.0,
                            false),
                    Hyperparameter.eps("Added to the root of the sum of squares to bound the step.", 1e-10));

    @Override
    public String name() {
        return "adagrad";
    }

    @Override
    public String displayName() {
        return "AdaGrad";
    }

    @Override
    public String description() {
        return "Per-coordinate steps scaled by the root of the summed squared gradients; weight"
                   + " decay as L2 in the gradient.";
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
        return "Duchi, Hazan & Singer 2011, JMLR 12";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        double lrDecay = values[0];
        float initial = (float) values[1];
        float eps = (float) values[2];
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 1);
            if (step < 1) {
                throw new IllegalArgumentException("AdaGrad steps count from 1, got " + step);
            }
            float[] sum = state[0];
            if (step == 1) {
                Arrays.fill(sum, initial);
            }
            float clr = (float) (learningRate / (1 + (step - 1) * lrDecay));
            float wd = (float) weightDecay;
            for (int i = 0; i < parameters.length; i++) {
                float g = gradients[i] + wd * parameters[i];
                sum[i] += g * g;
                float std = Fp32.sqrt(sum[i]) + eps;
                parameters[i] += -clr * g / std;
            }
        };
    }
}
