package io.optimesh.core.optim;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * NAdam (Adam with Nesterov momentum) in the arithmetic order of PyTorch's single-tensor
 * implementation, with its momentum schedule mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay)):
 *
 * <pre>
 *   g += wd p
 *   P_t = P_{t-1} mu_t                               (fp32, P_0 = 1)
 *   m = lerp(m, g, 1 - beta1)
 *   v = beta2 v + (1 - beta2) g^2
 *   d = sqrt(v / (1 - beta2^t)) + eps
 *   p -= lr (1 - mu_t) / (1 - P_t) g / d
 *   p -= lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d
 * </pre>
 *
 * State: m then v. PyTorch keeps the product P as one fp32 scalar per tensor; it depends only on
 * t, so the rule recomputes it (memoised) and the caller's state stays per-parameter.
 */
public final class NAdam implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Decay of the first-moment (mean) estimate; the momentum schedule"
                                    + " rises towards it."),
                    Hyperparameter.beta2("Decay of the second-moment (uncentred variance) estimate."),
                    Hyperparameter.eps("Added to the root of the second moment to bound the step.", 1e-8),
                    new Hyperparameter(
                            "momentum_decay",
                            "psi in mu_t = beta1 (1 - 0.5 * 0.96^(t psi)): how fast the momentum"
                                    + " warms up.",
                            4e-3,
                            0.0,
                            0.1,
                            false));

    @Override
    public String name() {
        return "nadam";
    }

    @Override
    public String displayName() {
        return "NAdam";
    }

    @Override
    public String description() {
        return "Adam with Nesterov momentum and a warming momentum schedule; weight decay as L2"
                   + " in the gradient.";
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
        return "Dozat 2016, ICLR workshop, Incorporating Nesterov Momentum into Adam";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        double beta1 = values[0];
        double beta2 = values[1];
        float eps = (float) values[2];
        double momentumDecay = values[3];
        float oneMinusBeta1 = (float) (1 - beta1);
        float beta2f = (float) beta2;
        float oneMinusBeta2 = (float) (1 - beta2);
        MuProducts products = new MuProducts(beta1, momentumDecay);
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 2);
            if (step < 1) {
                throw new IllegalArgumentException("NAdam steps count from 1, got " + step);
            }
            float[] m = state[0];
            float[] v = state[1];
            float biasCorrection2 = (float) (1 - Math.pow(beta2, step));
            double mu = products.mu(step);
            double muNext = products.mu(step + 1);
            double muProduct = products.product(step);
            double muProductNext = muProduct * muNext;
            float gradientStep = (float) (-learningRate * (1.0 - mu) / (1.0 - muProduct));
            float momentumStep = (float) ((-learningRate * muNext) / (1.0 - muProductNext));
            float wd = (float) weightDecay;
            for (int i = 0; i < parameters.length; i++) {
                float g = gradients[i] + wd * parameters[i];
                m[i] = Fp32.lerp(m[i], g, oneMinusBeta1);
                v[i] = v[i] * beta2f + oneMinusBeta2 * g * g;
                float denominator = Fp32.sqrt(v[i] / biasCorrection2) + eps;
                parameters[i] += gradientStep * g / denominator;
                parameters[i] += momentumStep * m[i] / denominator;
            }
        };
    }

    /** mu_t, and the fp32 running products P_t that PyTorch accumulates step by step. */
    private static final class MuProducts {

        private final double beta1;
        private final double momentumDecay;
        private float[] products = {1f};

        MuProducts(double beta1, double momentumDecay) {
            this.beta1 = beta1;
            this.momentumDecay = momentumDecay;
        }

        double mu(long step) {
            return beta1 * (1.0 - 0.5 * Math.pow(0.96, step * momentumDecay));
        }

        synchronized double product(long step) {
            if (step >= products.length) {
                int known = products.length;
                products = Arrays.copyOf(products, (int) Math.max(step + 1, 2L * known));
                for (int t = known; t < products.length; t++) {
                    products[t] = products[t - 1] * (float) mu(t);
                }
            }
            return products[(int) step];
        }
    }
}
