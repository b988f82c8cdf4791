package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.CURVATURE;
import static io.optimesh.core.optim.Problems.MINIMUM;
import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.fp32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.core.optim.SeedAdaptive.Plateau;

import org.junit.jupiter.api.Test;

import java.util.Map;

class SeedAdaptiveTest {

    // Steps 1, 4 and 6 have gradient norms 1.12, 1.30 and 2.29: clipped to 1.
    private static final double[][] GRADIENTS = {
        {0.5, -1.0, 0.1},
        {0.25, 0.75, -0.2},
        {-0.3, 0.2, 0.05},
        {1.2, -0.4, 0.3},
        {0.6, 0.3, -0.5},
        {-2.0, 1.0, 0.5},
        {0.1, 0.1, -0.1}
    };

    // reported after each step: no improvement at 3 and 4 (cut after 4), none at 5 and 6 (cut
    // after 6)
    private static final double[] LOSSES = {1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.8};

    private static final double[] SCALES = {1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25};

    // The parameters after each step, from core/src/test/python/optim_reference.py (float64
    // numpy: clip_grad_norm_, Adam with L2 decay 0.01, ReduceLROnPlateau), lr 0.01, late decay
    // 0.8 per step after step 4.
    private static final double[][] PARAMETERS = {
        {0.9900000002195702, -0.4900000001116233, 0.24000000109185787},
        {0.9804914484639559, -0.48960915831978336, 0.2439354325261401},
        {0.9771570203366708, -0.4903669413449879, 0.24539670950390366},
        {0.9707910046450134, -0.48947876208539326, 0.2420322415565054},
        {0.967853365881035, -0.48969987570269935, 0.24324288384709997},
        {0.9671230162817416, -0.490387484578232, 0.24344251846812387},
        {0.9668221940022829, -0.49067342833999683, 0.2436102731653094},
    };

    @Test
    void adamWithClippingPlateauCutsAndLateDecay() {
        SeedAdaptive.Rule rule =
                new SeedAdaptive()
                        .configure(
                                Map.of(
                                        "patience", 1.0,
                                        "factor", 0.5,
                                        "threshold", 0.0,
                                        "decay_start", 4.0,
                                        "decay_gamma", 0.8));
        float[] p = {1.0f, -0.5f, 0.25f};
        float[][] state = new SeedAdaptive().newState(new int[] {3});
        for (int t = 1; t <= GRADIENTS.length; t++) {
            float[] g = fp32(GRADIENTS[t - 1]);
            float[] before = g.clone();
            rule.apply(p, g, state, t, 0.01, 0.01);
            assertThat(g).as("the caller's gradients").containsExactly(before);
            assertClose("p at step " + t, p, PARAMETERS[t - 1]);
            rule.observeLoss(LOSSES[t - 1]);
            assertThat(rule.plateau().scale())
                    .as("scale after report " + t)
                    .isEqualTo(SCALES[t - 1]);
        }
        // after step 7: the cuts' 0.25 times 0.8^(8 - 4)
        assertThat(rule.learningRateScale(8)).isEqualTo(0.25 * Math.pow(0.8, 4));
    }

    @Test
    void thresholdCooldownAndFloorFollowReduceLrOnPlateau() {
        SeedAdaptive.Rule rule =
                new SeedAdaptive()
                        .configure(
                                Map.of(
                                        "patience", 0.0,
                                        "factor", 0.1,
                                        "threshold", 0.1,
                                        "cooldown", 1.0,
                                        "min_scale", 0.005));
        rule.observeLoss(1.0);
        // 0.95 is not below 1.0 (1 - 0.1) = 0.9: no improvement, patience 0 cuts at once
        rule.observeLoss(0.95);
        assertThat(rule.plateau()).isEqualTo(new Plateau(1.0, 0, 1, 0.1));
        // the cooldown swallows this report
        rule.observeLoss(0.99);
        assertThat(rule.plateau()).isEqualTo(new Plateau(1.0, 0, 0, 0.1));
        rule.observeLoss(0.85);
        assertThat(rule.plateau()).isEqualTo(new Plateau(0.85, 0, 0, 0.1));
        // a NaN is no improvement; the cut stops at min_scale
        rule.observeLoss(Double.NaN);
        assertThat(rule.plateau()).isEqualTo(new Plateau(0.85, 0, 1, 0.1 * 0.1));
        rule.observeLoss(0.9);
        rule.observeLoss(0.9);
        assertThat(rule.plateau().scale()).isEqualTo(0.005);

        SeedAdaptive.Rule fresh = new SeedAdaptive().configure(Map.of());
        assertThat(fresh.plateau()).isEqualTo(Plateau.START);
        fresh.restore(rule.plateau());
        assertThat(fresh.learningRateScale(1)).isEqualTo(0.005);
    }

    @Test
    void controllerStateRestoresBitForBit() {
        SeedAdaptive.Rule rule = new SeedAdaptive().configure(Map.of("patience", 0.0, "cooldown", 3.0));
        // best 0.1 (no exact binary form) and scale 0.5 after one cut, two reports of cooldown left
        rule.observeLoss(0.1);
        rule.observeLoss(0.2);
        rule.observeLoss(0.3);
        assertThat(rule.plateau()).isEqualTo(new Plateau(0.1, 0, 2, 0.5));
        SeedAdaptive.Rule fresh = new SeedAdaptive().configure(Map.of("patience", 0.0, "cooldown", 3.0));
        fresh.restoreController(rule.controllerState());
        assertThat(fresh.plateau()).isEqualTo(rule.plateau());
        // +Infinity's high half read as a float is a NaN; the 16-bit pieces keep it anyway.
        fresh.restoreController(new SeedAdaptive().configure(Map.of()).controllerState());
        assertThat(fresh.plateau()).isEqualTo(Plateau.START);
        assertThatThrownBy(() -> fresh.restoreController(new float[] {1f, 2f}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a controller state of 4 values has 16 floats, got 2");
        float[] corrupt = rule.controllerState();
        corrupt[5] = 0.5f;
        assertThatThrownBy(() -> fresh.restoreController(corrupt))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("controller state value 0.5 is not a 16-bit piece");
    }

    @Test
    void countsMustBeWholeNumbers() {
        assertThatThrownBy(() -> new SeedAdaptive().configure(Map.of("patience", 2.5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("seed-adaptive patience must be a whole number, got 2.5");
    }

    @Test
    void convergesOnAnIllConditionedQuadraticAtAConstantLearningRate() {
        // The schedule stays at 0.05; only the plateau cuts on the loss reported every step bring
        // the step down to the precision asked. (With min_scale 0 the noisy loss of Adam's
        // oscillation cuts the rate to nothing within 3000 steps and x stalls 7e-3 away.) This
        // loss has no batch noise, so PyTorch's patience and threshold fit it.
        SeedAdaptive algorithm = new SeedAdaptive();
        SeedAdaptive.Rule rule = algorithm.configure(Map.of("patience", 10.0, "threshold", 1e-4));
        float[] x = new float[3];
        float[] g = new float[3];
        float[][] state = algorithm.newState(new int[] {3});
        double loss = 0;
        for (int t = 1; t <= 3000; t++) {
            loss = 0;
            for (int i = 0; i < 3; i++) {
                g[i] = CURVATURE[i] * (x[i] - MINIMUM[i]);
                loss += 0.5 * CURVATURE[i] * (x[i] - MINIMUM[i]) * (x[i] - MINIMUM[i]);
            }
            rule.observeLoss(loss);
            rule.apply(x, g, state, t, 0.05, 0);
        }
        assertThat(rule.plateau().scale()).isLessThan(0.1);
        double squares = 0;
        for (int i = 0; i < 3; i++) {
            squares += (x[i] - MINIMUM[i]) * (x[i] - MINIMUM[i]);
        }
        assertThat(Math.sqrt(squares)).isLessThan(1e-3);
    }
}
