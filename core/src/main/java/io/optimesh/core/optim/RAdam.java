package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * Rectified Adam in the arithmetic order of PyTorch's single-tensor implementation:
 *
 * <pre>
 *   g += wd p
 *   m = lerp(m, g, 1 - beta1)
 *   v = beta2 v + (1 - beta2) g^2
 *   rho_inf = 2 / (1 - beta2) - 1,  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
 *   rho_t > 5:  p -= (m / (1 - beta1^t)) lr (sqrt(1 - beta2^t) / (sqrt(v) + eps)) r_t,
 *               r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
 *   otherwise:  p -= (m / (1 - beta1^t)) lr          (SGD with momentum while v is too young)
 * </pre>
 *
 * State: m then v.
 */
public final class RAdam implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Decay of the first-moment (mean) estimate."),
                    Hyperparameter.beta2("Decay of the second-moment estimate; sets rho_inf, the length of the"
                                    + " moving average."),
                    Hyperparameter.eps("Added to the root of the second moment to bound the step.", 1e-8));

    @Override
    public String name() {
        return "radam";
    }

    @Override
    public String displayName() {
        return "RAdam";
    }

    @Override
    public String description() {
        return "Adam whose adaptive step is rectified for the variance of the young second"
                   + " moment, momentum SGD until rho_t > 5; weight decay as L2 in the gradient.";
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
        return "Liu et al. 2020, arXiv 1908.03265";
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
        double rhoInf = 2 / (1 - beta2) - 1;
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 2);
            if (step < 1) {
                throw new IllegalArgumentException("RAdam steps count from 1, got " + step);
            }
            float[] m = state[0];
            float[] v = state[1];
            double biasCorrection1 = 1 - Math.pow(beta1, step);
            double biasCorrection2 = 1 - Math.pow(beta2, step);
            double rhoT = rhoInf - 2 * step * Math.pow(beta2, step) / biasCorrection2;
            boolean rectified = rhoT > 5.0;
            float bc1 = (float) biasCorrection1;
            float lr = (float) learningRate;
            float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
            float rect =
                    rectified
                            ? (float)
                                    Math.sqrt(
                                            (rhoT - 4) * (rhoT - 2) * rhoInf
                                                    / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
                            : 0f;
            float wd = (float) weightDecay;
            for (int i = 0; i < parameters.length; i++) {
                float g = gradients[i] + wd * parameters[i];
                m[i] = Fp32.lerp(m[i], g, oneMinusBeta1);
                v[i] = v[i] * beta2f + oneMinusBeta2 * g * g;
                float update = m[i] / bc1 * lr;
                if (rectified) {
                    // PyTorch writes sqrt(bc2) / (sqrt(v) + eps), which it evaluates as a
                    // reciprocal times the scalar.
                    float adaptive = 1f / (Fp32.sqrt(v[i]) + eps) * bc2Sqrt;
                    update = update * adaptive * rect;
                }
                parameters[i] -= update;
            }
        };
    }
}
