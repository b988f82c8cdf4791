package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.Map;

class LambTest {

    private static final double[][] GRADIENTS = {
        {0.5, -1.0, 0.1}, {0.25, 0.75, -0.2}, {-0.3, 0.2, 0.05}, {0.1, -0.4, 0.3}
    };

    // The parameters after each step, from core/src/test/python/optim_reference.py (float64
    // numpy, the paper's Algorithm 2 with timm's switches), lr 0.01, default betas and eps.

    // weight decay 0.1: the trust ratio scales every step
    private static final double[][] DECAYED = {
        {0.9931281797613364, -0.4934405295475472, 0.24359676378767017},
        {0.9824370315364145, -0.49200325894204006, 0.24713883308903908},
        {0.97154465054187, -0.49158923986315917, 0.24997032695773033},
        {0.9637061130637724, -0.4881774353952631, 0.24277857224918975},
    };

    // no weight decay: the plain bias-corrected Adam step (the first is lr sign(g))
    private static final double[][] UNDECAYED = {
        {0.99000001999996, -0.49000000999999, 0.24000009999899852},
        {0.980678247197813, -0.4891067609366036, 0.2436611121185577},
        {0.9773531259283017, -0.48943503403214805, 0.24502800841556172},
        {0.9737568136589716, -0.48793841632760665, 0.24108703029030867},
    };

    // no weight decay, always_adapt 1: the ratio scales the Adam step alone
    private static final double[][] ALWAYS_ADAPTED = {
        {0.9933856062889813, -0.4933855996745943, 0.24338565920360092},
        {0.9828577917101262, -0.4923767829278589, 0.24752032946254388},
        {0.9724790588413486, -0.49340142488540273, 0.25178683596743623},
        {0.9652154208654092, -0.49037863699045864, 0.2438270604448658},
    };

    // weight decay 0.1, trust_clip 1: equal to DECAYED while the ratio is below 1
    private static final double[][] TRUST_CLIPPED = {
        {0.9931281797613364, -0.4934405295475472, 0.24359676378767017},
        {0.982813278779428, -0.49205383995461327, 0.2470141791434417},
        {0.9785053442311372, -0.4918900592102031, 0.24813406126130227},
        {0.973930526617576, -0.4899015514464515, 0.24394494907478795},
    };

    private static void check(Map<String, Double> hyperparameters, double wd, double[][] expected) {
        Lamb lamb = new Lamb();
        UpdateRule rule = lamb.configure(hyperparameters);
        float[] p = {1.0f, -0.5f, 0.25f};
        float[][] state = lamb.newState(new int[] {3});
        for (int t = 1; t <= GRADIENTS.length; t++) {
            rule.apply(p, fp32(GRADIENTS[t - 1]), state, t, 0.01, wd);
            assertClose("p at step " + t, p, expected[t - 1]);
        }
    }

    @Test
    void scalesTheAdamStepPlusDecayByTheTrustRatio() {
        check(Map.of(), 0.1, DECAYED);
    }

    @Test
    void groupsWithoutDecayTakeThePlainAdamStepUnlessAlwaysAdapted() {
        check(Map.of(), 0, UNDECAYED);
        check(Map.of("always_adapt", 1.0), 0, ALWAYS_ADAPTED);
    }

    @Test
    void trustClipCapsTheRatioAtOne() {
        check(Map.of("trust_clip", 1.0), 0.1, TRUST_CLIPPED);
    }

    @Test
    void zeroWeightsTakeTheUnscaledStep() {
        // ||p|| = 0 would zero the step; the ratio falls back to 1 as in timm and FusedLAMB.
        UpdateRule rule = new Lamb().configure(Map.of("always_adapt", 1.0));
        float[] p = {0f, 0f};
        rule.apply(p, new float[] {0.5f, -0.25f}, new float[2][2], 1, 0.01, 0);
        // the first Adam step: lr g / (|g| + eps)
        assertClose(
                "p", p, new double[] {-0.01 * 0.5 / (0.5 + 1e-6), 0.01 * 0.25 / (0.25 + 1e-6)});
    }

    @Test
    void switchesAreZeroOrOne() {
        assertThatThrownBy(() -> new Lamb().configure(Map.of("trust_clip", 0.5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lamb trust_clip must be 0 or 1, got 0.5");
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        // Without decay the quadratic's minimum is LAMB's fixed point; the ratio then only
        // rescales the step, so the test adapts every step.
        assertThat(distanceAfter(new Lamb(), Map.of("always_adapt", 1.0), 0.02, 3000))
                .isLessThan(1e-3);
    }
}
