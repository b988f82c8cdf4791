package io.optimesh.law.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.model.PowerLaw;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FittedLawTest {

    /** A noisy L0 + A area^-alpha curve under a constant LR of 1e-3 with a 100-step warmup. */
    private static LossCurve noisyCurve() {
        double[] lrs = new double[5001];
        for (int s = 0; s < lrs.length; s++) {
            lrs[s] = 1e-3 * Math.min(1, (s + 1) / 100.0);
        }
        int[] steps = new int[50];
        double[] losses = new double[50];
        Random random = new Random(3);
        double area = 0;
        for (int s = 0, i = 0; s < lrs.length && i < steps.length; s++) {
            area += lrs[s];
            if (s % 100 == 99) {
                steps[i] = s;
                losses[i++] = (2.5 + 0.7 * Math.pow(area, -0.4)) * Math.exp(0.002 * random.nextGaussian());
            }
        }
        return LossCurve.of("noisy", steps, losses, lrs);
    }

    @Test
    void aLawRebuiltFromItsValuesCovarianceAndNoisePredictsTheSameIntervals() {
        PowerLaw law = PowerLaw.ofLrArea();
        LossCurve curve = noisyCurve();
        FittedLaw fitted = new LawFitter().fit(law, List.of(curve));

        FittedLaw rebuilt = FittedLaw.of(law, fitted.values(), fitted.covariance(), fitted.noise());

        Prediction original = fitted.predict(curve, 0.9);
        Prediction again = rebuilt.predict(curve, 0.9);
        assertThat(again.losses()).containsExactly(original.losses());
        assertThat(again.lower()).containsExactly(original.lower());
        assertThat(again.upper()).containsExactly(original.upper());
        assertThat(original.upper()[0]).isGreaterThan(original.lower()[0]);
        assertThat(rebuilt.quality()).isNull();
        assertThat(rebuilt.parameterNames()).containsExactly("L0", "A", "alpha");
    }

    @Test
    void refusesValuesOrCovariancesOfTheWrongSizeAndBadNoise() {
        PowerLaw law = PowerLaw.ofLrArea();
        double[][] identity = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        assertThatThrownBy(() -> FittedLaw.of(law, new double[] {1, 2}, identity, 0))
                .hasMessageContaining("takes 3 parameters, got 2");
        assertThatThrownBy(() -> FittedLaw.of(law, new double[] {1, 2, 3}, new double[][] {{1, 0}, {0, 1}}, 0))
                .hasMessageContaining("3 x 3");
        assertThatThrownBy(() -> FittedLaw.of(law, new double[] {1, 2, 3}, new double[][] {{1, 0, 0}, {0, 1}, {0, 0, 1}}, 0))
                .hasMessageContaining("3 x 3");
        assertThatThrownBy(() -> FittedLaw.of(law, new double[] {1, 2, 3}, identity, Double.NaN))
                .hasMessageContaining("noise");
    }
}
