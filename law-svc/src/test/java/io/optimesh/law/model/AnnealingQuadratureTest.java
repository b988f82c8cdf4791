package io.optimesh.law.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.law.curve.CurveCsvReader;
import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.curve.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AnnealingQuadratureTest {

    private static final double[] PUBLISHED_400M = {2.375, 0.654, 0.429, 523.4, 2.025, 0.594, 0.635};

    /** The annealing sum term by term, straight from its definition. */
    private static double bruteForce(double[] lrs, int t, int firstK, double c, double beta, double gamma) {
        double sum = 0;
        for (int k = firstK; k <= t; k++) {
            double area = 0;
            for (int tau = k; tau <= t; tau++) {
                area += lrs[tau];
            }
            double x = Math.pow(lrs[k], -gamma) * area;
            sum += (lrs[k - 1] - lrs[k]) * (1 - Math.pow(c * x + 1, -beta));
        }
        return sum;
    }

    private static double quadrature(AnnealingQuadrature q, int i, double c, double beta, double gamma) {
        double sum = 0;
        for (int n = q.from(i); n < q.to(i); n++) {
            double x = Math.exp(-gamma * q.logEtas()[n]) * q.areas()[n];
            sum += q.weights()[n] * (1 - Math.pow(c * x + 1, -beta));
        }
        return sum;
    }

    @Test
    void widthZeroIsTheExactSum() {
        double[] lrs = Schedules.wsd(300, 40, 150, 1e-3, 1e-4);
        lrs[200] = 3e-4; // a spike down and back up mixes signs inside the decay
        int[] steps = {1, 39, 40, 41, 120, 151, 199, 200, 201, 300};
        for (int firstK : new int[] {1, 41}) {
            AnnealingQuadrature q = AnnealingQuadrature.build(lrs, steps, firstK, 0);
            for (int i = 0; i < steps.length; i++) {
                assertThat(quadrature(q, i, 2.0, 0.6, 0.6))
                        .isCloseTo(bruteForce(lrs, steps[i], firstK, 2.0, 0.6, 0.6), within(1e-15));
            }
        }
    }

    @Test
    void defaultWidthStaysWithinMicroLossOfTheExactSumOnRealSchedules() {
        for (LossCurve curve : CurveCsvReader.readDirectory(Path.of(TestData.MPL_CURVES, "400"))) {
            int[] every = curve.steps();
            int[] steps = new int[every.length / 10];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = every[10 * i + 9];
            }
            double[] exact = new double[steps.length];
            double[] fast = new double[steps.length];
            new MultiPowerLaw(AnnealingConvention.FROM_FIRST_STEP, 0).prepare(curve.lrs(), steps)
                    .evaluate(PUBLISHED_400M, exact, null);
            new MultiPowerLaw(AnnealingConvention.FROM_FIRST_STEP).prepare(curve.lrs(), steps)
                    .evaluate(PUBLISHED_400M, fast, null);
            for (int i = 0; i < steps.length; i++) {
                assertThat(fast[i]).as("%s step %d", curve.name(), steps[i]).isCloseTo(exact[i], within(5e-6));
            }
        }
    }

    @Test
    void costsLogarithmicallyManyNodesPerStep() {
        double[] lrs = Schedules.cosine(72_000, 2160, 3e-4, 3e-5);
        int[] steps = Schedules.steps(2160, 72_000, 128);
        AnnealingQuadrature q = AnnealingQuadrature.build(lrs, steps, 1, MultiPowerLaw.DEFAULT_QUADRATURE_WIDTH);

        double perStep = (double) q.nodeCount() / q.size();
        assertThat(perStep).isLessThan(400);
    }
}
