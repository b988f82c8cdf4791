package io.optimesh.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.optimesh.trainer.model.Torch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdamWTest {

    private static final AdamW.Settings SETTINGS = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);

    @Test
    void matchesTheReferenceAlgorithmWithDecayOnlyWhereAsked() {
        double[] w = {0.5, -1.0, 2.0};
        double[] b = {0.1, 0.2};
        double[][] gw = {{0.1, -0.2, 0.3}, {0.05, 0.0, -0.4}, {-0.3, 0.2, 0.1}};
        double[][] gb = {{1.0, -1.0}, {0.5, 0.25}, {-2.0, 0.0}};
        double[] lrs = {1e-2, 5e-3, 2e-2};
        try (NDManager m = NDManager.newBaseManager(Torch.ENGINE)) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", m.create(toFloats(w)));
            params.put("b", m.create(toFloats(b)));
            params.values().forEach(p -> p.setRequiresGradient(true));
            Reference rw = new Reference(w, true);
            Reference rb = new Reference(b, false);
            try (AdamW adamw = new AdamW(SETTINGS, params, Set.of("w"), m)) {
                for (int step = 0; step < 3; step++) {
                    double normBefore = Math.sqrt(rw.squaredNorm() + rb.squaredNorm());
                    Map<String, NDArray> grads = Map.of("w", m.create(toFloats(gw[step])), "b", m.create(toFloats(gb[step])));
                    ParameterUpdate.Stats stats = adamw.apply(params, grads, lrs[step]);
                    double updateSquared = rw.step(gw[step], lrs[step]) + rb.step(gb[step], lrs[step]);
                    assertThat(stats.parameterNorm()).isCloseTo(normBefore, within(1e-6));
                    assertThat(stats.updateNorm()).isCloseTo(Math.sqrt(updateSquared), within(1e-6));
                    assertClose(params.get("w").toFloatArray(), rw.theta);
                    assertClose(params.get("b").toFloatArray(), rb.theta);
                }
                assertThat(adamw.updates()).isEqualTo(3);
                assertThat(adamw.state()).containsOnlyKeys("exp_avg.w", "exp_avg.b", "exp_avg_sq.w", "exp_avg_sq.b");
                assertClose(adamw.state().get("exp_avg_sq.b").toFloatArray(), rb.v);
            }
        }
    }

    @Test
    void aRestoredOptimizerContinuesIdentically() {
        try (NDManager m = NDManager.newBaseManager(Torch.ENGINE)) {
            Map<String, NDArray> a = Map.of("w", m.create(new float[] {1, 2, 3}));
            Map<String, NDArray> b = Map.of("w", m.create(new float[] {1, 2, 3}));
            try (AdamW original = new AdamW(SETTINGS, a, Set.of("w"), m)) {
                original.apply(a, Map.of("w", m.create(new float[] {0.3f, -0.1f, 0.2f})), 0.01);
                Map<String, float[]> state = new LinkedHashMap<>();
                original.state().forEach((k, v) -> state.put(k, v.toFloatArray()));
                b.get("w").set(a.get("w").toFloatArray());
                try (AdamW restored = AdamW.restore(SETTINGS, b, Set.of("w"), m, state, original.updates())) {
                    NDArray g = m.create(new float[] {-0.2f, 0.4f, 0.1f});
                    original.apply(a, Map.of("w", g), 0.02);
                    restored.apply(b, Map.of("w", g), 0.02);
                    assertThat(b.get("w").toFloatArray()).isEqualTo(a.get("w").toFloatArray());
                }
                state.remove("exp_avg.w");
                assertThatThrownBy(() -> AdamW.restore(SETTINGS, b, Set.of("w"), m, state, 1))
                        .hasMessageContaining("lacks the moments of w");
            }
        }
    }

    /** The update of torch.optim.AdamW, in doubles. */
    private static final class Reference {
        final double[] theta;
        final double[] m;
        final double[] v;
        final boolean decays;
        int t;

        Reference(double[] theta, boolean decays) {
            this.theta = theta.clone();
            this.m = new double[theta.length];
            this.v = new double[theta.length];
            this.decays = decays;
        }

        /** Applies one step and returns the squared norm of the change. */
        double step(double[] g, double lr) {
            t++;
            double squared = 0;
            for (int i = 0; i < theta.length; i++) {
                double before = theta[i];
                if (decays) {
                    theta[i] *= 1 - lr * SETTINGS.weightDecay();
                }
                m[i] = SETTINGS.beta1() * m[i] + (1 - SETTINGS.beta1()) * g[i];
                v[i] = SETTINGS.beta2() * v[i] + (1 - SETTINGS.beta2()) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(SETTINGS.beta1(), t));
                double vHat = v[i] / (1 - Math.pow(SETTINGS.beta2(), t));
                theta[i] -= lr * mHat / (Math.sqrt(vHat) + SETTINGS.epsilon());
                squared += (theta[i] - before) * (theta[i] - before);
            }
            return squared;
        }

        double squaredNorm() {
            double s = 0;
            for (double x : theta) {
                s += x * x;
            }
            return s;
        }
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static void assertClose(float[] actual, double[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-6 + 1e-5 * Math.abs(expected[i])));
        }
    }
}
