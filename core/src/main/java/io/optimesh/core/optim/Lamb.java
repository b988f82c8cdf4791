package io.optimesh.core.optim;

import java.util.List;
import java.util.Map;

/**
 * LAMB: Adam's bias-corrected step, with the weight decay added to it, rescaled per tensor (per
 * layer) by the trust ratio ||p|| / ||step||. Arithmetic in the order of timm's {@code Lamb}, the
 * PyTorch implementation that follows NVIDIA's FusedLAMB:
 *
 * <pre>
 *   m = beta1 m + (1 - beta1) g
 *   v = beta2 v + (1 - beta2) g^2                  (addcmul: ((1 - beta2) g) g)
 *   u = (m / (1 - beta1^t)) / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *   u += wd p
 *   if wd != 0 or always_adapt:
 *     r = ||p|| / ||u||   (1 when either norm is 0; at most 1 when trust_clip)
 *     u *= r
 *   p -= lr u
 * </pre>
 *
 * State: m then v. The decay sits inside the ratio (the paper's Algorithm 2), so it is decoupled
 * from the moments. As in timm and FusedLAMB, a group without weight decay (norms, biases) takes
 * the plain Adam step unless {@code always_adapt} is 1: BERT's recipe excludes those from the
 * layer adaptation too. Global-norm gradient clipping, which timm folds in, is the caller's, as
 * for every algorithm. Norms accumulate in double (see {@link Fp32}).
 */
public final class Lamb implements Algorithm {

    private static final List<Hyperparameter> HYPERPARAMETERS =
            List.of(
                    Hyperparameter.beta1("Decay of the first-moment (mean) estimate."),
                    Hyperparameter.beta2("Decay of the second-moment (uncentred variance) estimate."),
                    Hyperparameter.eps("Added to the bias-corrected root of the second moment.", 1e-6),
                    new Hyperparameter(
                            "trust_clip",
                            "1 to cap the trust ratio at 1 (LAMBC), 0 to leave it free.",
                            0.0,
                            0.0,
                            1.0,
                            false),
                    new Hyperparameter(
                            "always_adapt",
                            "1 to apply the trust ratio to groups without weight decay too, 0 to"
                                    + " give those the plain Adam step.",
                            0.0,
                            0.0,
                            1.0,
                            false));

    @Override
    public String name() {
        return "lamb";
    }

    @Override
    public String displayName() {
        return "LAMB";
    }

    @Override
    public String description() {
        return "Adam's bias-corrected step plus weight decay, scaled per tensor by the trust ratio"
                   + " ||p|| / ||step|| for large-batch training.";
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
        return 2;
    }

    @Override
    public String reference() {
        return "You et al. 2020, arXiv 1904.00962";
    }

    @Override
    public UpdateRule configure(Map<String, Double> hyperparameters) {
        double[] values = Algorithm.resolve(name(), HYPERPARAMETERS, hyperparameters);
        double beta1 = values[0];
        double beta2 = values[1];
        float eps = (float) values[2];
        boolean trustClip = Knobs.flag(name(), "trust_clip", values[3]);
        boolean alwaysAdapt = Knobs.flag(name(), "always_adapt", values[4]);
        float beta1f = (float) beta1;
        float oneMinusBeta1 = (float) (1 - beta1);
        float beta2f = (float) beta2;
        float oneMinusBeta2 = (float) (1 - beta2);
        return (parameters, gradients, shape, state, step, learningRate, weightDecay) -> {
            Algorithm.checkShapes(parameters, gradients, state, 2);
            if (step < 1) {
                throw new IllegalArgumentException("LAMB steps count from 1, got " + step);
            }
            float[] m = state[0];
            float[] v = state[1];
            float biasCorrection1 = (float) (1 - Math.pow(beta1, step));
            float biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
            float wd = (float) weightDecay;
            float[] update = new float[parameters.length];
            for (int i = 0; i < parameters.length; i++) {
                float g = gradients[i];
                m[i] = m[i] * beta1f + oneMinusBeta1 * g;
                v[i] = v[i] * beta2f + oneMinusBeta2 * g * g;
                float denominator = Fp32.sqrt(v[i]) / biasCorrection2Sqrt + eps;
                update[i] = m[i] / biasCorrection1 / denominator;
                if (weightDecay != 0) {
                    update[i] += wd * parameters[i];
                }
            }
            if (weightDecay != 0 || alwaysAdapt) {
                float weightNorm = Fp32.norm(parameters);
                float updateNorm = Fp32.norm(update);
                float ratio = weightNorm > 0 && updateNorm > 0 ? weightNorm / updateNorm : 1f;
                if (trustClip) {
                    ratio = Math.min(ratio, 1f);
                }
                for (int i = 0; i < update.length; i++) {
                    update[i] *= ratio;
                }
            }
            float minusLr = (float) -learningRate;
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] += minusLr * update[i];
            }
        };
    }
}
