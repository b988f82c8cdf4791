package io.optimesh.law.curve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LossCurveTest {

    @Test
    void keepsItsOwnCopies() {
        int[] steps = {1, 2, 3};
        double[] losses = {3.0, 2.9, 2.8};
        double[] lrs = {0, 1e-3, 1e-3, 1e-3};
        LossCurve curve = LossCurve.of("run", steps, losses, lrs);
        steps[0] = 7;
        losses[0] = 9;
        lrs[1] = 5;

        assertThat(curve.steps()).containsExactly(1, 2, 3);
        assertThat(curve.losses()).containsExactly(3.0, 2.9, 2.8);
        assertThat(curve.lrs()).containsExactly(0, 1e-3, 1e-3, 1e-3);
        assertThat(curve.minLoss()).isEqualTo(2.8);
        assertThat(curve.lastStep()).isEqualTo(3);
    }

    @Test
    void listsEveryViolationWithFieldAndIndex() {
        assertThatThrownBy(() -> LossCurve.of("run", new int[] {-1, 3, 2}, new double[] {3.0, 0, Double.NaN, 2.0},
                new double[] {0, -1, 1e-3}))
                .isInstanceOfSatisfying(CurveValidationException.class, e -> {
                    assertThat(e.violations()).extracting(CurveViolation::toString).containsExactly(
                            "curve 'run' losses: has 4 values for 3 steps",
                            "curve 'run' steps[0]: step -1 is negative",
                            "curve 'run' steps[2]: step 2 does not come after the previous step 3",
                            "curve 'run' losses[1]: loss 0.0 is not a positive finite number",
                            "curve 'run' losses[2]: loss NaN is not a positive finite number",
                            "curve 'run' lrs[1]: learning rate -1.0 at step 1 is not a non-negative finite number");
                    assertThat(e.violations().get(2).field()).isEqualTo("steps");
                    assertThat(e.violations().get(2).index()).isEqualTo(2);
                });
    }

    @Test
    void refusesAnLrSequenceThatEndsBeforeTheLastLoggedStep() {
        assertThatThrownBy(() -> LossCurve.of("run", new int[] {1, 2, 5}, new double[] {3.0, 2.9, 2.8},
                new double[] {0, 1e-3, 1e-3}))
                .isInstanceOf(CurveValidationException.class)
                .hasMessage("curve 'run' lrs: covers steps 0..2 but the curve logs step 5");
    }
}
