package io.optimesh.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.optimesh.trainer.model.Torch;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * AdamW (Loshchilov and Hutter) as in {@code torch.optim.AdamW}: fp32 first and second moments,
 * bias correction, and weight decay decoupled from the gradient (θ ← θ − lr·λ·θ), applied only to
 * the parameters named in {@code decayed} (matmul weights: not biases, norms or embeddings).
 *
 * <p>With t the update's 1-based index, m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², and
 * θ ← θ − lr·λ·θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε). All updates are in place.
 */
public final class AdamW implements ParameterUpdate {

    /** Hyper-parameters other than the learning rate, which the schedule supplies per step. */
    public record Settings(double beta1, double beta2, double epsilon, double weightDecay) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1)");
            }
            if (!(epsilon > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("epsilon must be positive and weightDecay not negative");
            }
        }

        /** β = (0.9, 0.95), ε = 1e-8, λ = 0.1: the usual GPT pre-training choice. */
        public static Settings defaults() {
            return new Settings(0.9, 0.95, 1e-8, 0.1);
        }
    }

    public static final String EXP_AVG = "exp_avg.";
    public static final String EXP_AVG_SQ = "exp_avg_sq.";

    private final Settings settings;
    private final Set<String> decayed;
    private final NDManager manager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long updates;

    /**
     * Fresh zero moments for every parameter, kept in a sub-manager of {@code parent} (on its device).
     */
    public AdamW(Settings settings, Map<String, NDArray> parameters, Set<String> decayed, NDManager parent) {
        this(settings, parameters, decayed, parent, Map.of(), 0);
    }

    /**
     * Moments restored from {@code state} (keys {@code exp_avg.<name>} and {@code exp_avg_sq.<name>},
     * fp32 values of each parameter's size) after {@code updates} updates, to resume a run.
     */
    public static AdamW restore(Settings settings, Map<String, NDArray> parameters, Set<String> decayed,
            NDManager parent, Map<String, float[]> state, long updates) {
        if (updates < 0) {
            throw new IllegalArgumentException("updates must not be negative");
        }
        for (String name : parameters.keySet()) {
            if (!state.containsKey(EXP_AVG + name) || !state.containsKey(EXP_AVG_SQ + name)) {
                throw new IllegalArgumentException("optimizer state lacks the moments of " + name);
            }
        }
        if (state.size() != 2 * parameters.size()) {
            throw new IllegalArgumentException("optimizer state holds " + state.size() + " arrays, expected "
                    + 2 * parameters.size());
        }
        return new AdamW(settings, parameters, decayed, parent, state, updates);
    }

    private AdamW(Settings settings, Map<String, NDArray> parameters, Set<String> decayed, NDManager parent,
            Map<String, float[]> state, long updates) {
        if (!parameters.keySet().containsAll(decayed)) {
            throw new IllegalArgumentException("decayed names that are not parameters: " + decayed);
        }
        this.settings = settings;
        this.decayed = Set.copyOf(decayed);
        this.manager = parent.newSubManager();
        this.updates = updates;
        parameters.forEach((name, p) -> {
            expAvg.put(name, moment(state.get(EXP_AVG + name), p));
            expAvgSq.put(name, moment(state.get(EXP_AVG_SQ + name), p));
        });
    }

    private NDArray moment(float[] values, NDArray parameter) {
        if (values == null) {
            return manager.zeros(parameter.getShape());
        }
        if (values.length != parameter.getShape().size()) {
            throw new IllegalArgumentException("moment of " + parameter.getName() + " has " + values.length
                    + " values, expected " + parameter.getShape().size());
        }
        return manager.create(values, parameter.getShape());
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public Stats apply(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double learningRate) {
        if (!parameters.keySet().equals(expAvg.keySet())) {
            throw new IllegalArgumentException("parameters differ from those the optimizer was built for");
        }
        long t = updates + 1;
        double beta1 = settings.beta1();
        double beta2 = settings.beta2();
        float stepSize = (float) (learningRate / (1 - Math.pow(beta1, t)));
        float sqrtBiasCorrection2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
        float decay = (float) (learningRate * settings.weightDecay());
        NDList updateSquares = new NDList();
        NDList parameterSquares = new NDList();
        try (Torch.GradModeScope noGrad = Torch.noGrad(); NDManager scope = manager.newSubManager()) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                String name = entry.getKey();
                NDArray p = entry.getValue();
                NDArray g = gradients.get(name);
                NDArray m = expAvg.get(name);
                NDArray v = expAvgSq.get(name);
                if (g == null) {
                    throw new IllegalArgumentException("no gradient for " + name);
                }
                // Arrays computed from p, m and v land in the scope and are freed with it.
                scope.tempAttachAll(p, m, v, g);
                m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
                NDArray update = m.div(v.sqrt().divi(sqrtBiasCorrection2).addi((float) settings.epsilon()))
                        .muli(stepSize);
                if (decay != 0 && decayed.contains(name)) {
                    update.addi(p.mul(decay));
                }
                parameterSquares.add(p.square().sum());
                p.subi(update);
                updateSquares.add(update.square().sum());
            }
            double updateNorm = Math.sqrt(NDArrays.stack(updateSquares).sum().getFloat());
            double parameterNorm = Math.sqrt(NDArrays.stack(parameterSquares).sum().getFloat());
            updates = t;
            return new Stats(updateNorm, parameterNorm);
        }
    }

    @Override
    public String name() {
        return "adamw";
    }

    @Override
    public long updates() {
        return updates;
    }

    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        expAvg.forEach((name, m) -> state.put(EXP_AVG + name, m));
        expAvgSq.forEach((name, v) -> state.put(EXP_AVG_SQ + name, v));
        return Collections.unmodifiableMap(state);
    }

    @Override
    public void close() {
        manager.close();
    }
}
