package io.optimesh.core.bayesopt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HyperparameterFitTest {

    /** sin(2 pi x) on 10 points of [0, 1], each observed twice with Gaussian noise of sd 0.2. */
    private static double[][] x() {
        double[][] x = new double[20][];
        for (int i = 0; i < 20; i++) {
            x[i] = new double[] {(i % 10) / 9.0};
        }
        return x;
    }

    private static double[] y(double[][] x) {
        SplittableRandom noise = new SplittableRandom(11);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.sin(2 * Math.PI * x[i][0]) + 0.2 * noise.nextGaussian();
        }
        return y;
    }

    @Test
    void maximumIsAStationaryPointAboveRandomAlternatives() {
        double[][] x = x();
        double[] y = y(x);
        GaussianProcess gp = new HyperparameterFit(4).fit(x, y, new SplittableRandom(1));
        double best = gp.logMarginalLikelihood();
        double[][] bounds = HyperparameterFit.logBounds(1);
        double[] theta = gp.hyperparameters().toLog();
        double[] gradient = gp.logMarginalLikelihoodGradient();
        for (int j = 0; j < theta.length; j++) {
            assertThat(theta[j]).as("theta_%d is inside its bounds", j).isBetween(bounds[0][j] + 0.1, bounds[1][j] - 0.1);
            assertThat(gradient[j]).as("d LML / d theta_%d at the optimum", j).isCloseTo(0, offset(1e-3));
        }
        SplittableRandom random = new SplittableRandom(2);
        for (int k = 0; k < 300; k++) {
            double[] other = new double[3];
            for (int j = 0; j < 3; j++) {
                other[j] = bounds[0][j] + random.nextDouble() * (bounds[1][j] - bounds[0][j]);
            }
            assertThat(gp.withHyperparameters(Hyperparameters.fromLog(other)).logMarginalLikelihood())
                    .isLessThanOrEqualTo(best + 1e-9);
        }
    }

    @Test
    void recoversTheNoiseOfReplicatedObservations() {
        double[][] x = x();
        double[] y = y(x);
        GaussianProcess gp = new HyperparameterFit(4).fit(x, y, new SplittableRandom(3));
        // Back in the objective's units (times the population variance of y) the noise variance is about
        // 0.2^2 = 0.04; twenty draws pin it down to within a factor of about two.
        double mean = java.util.Arrays.stream(y).average().orElseThrow();
        double variance = java.util.Arrays.stream(y).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
        assertThat(gp.hyperparameters().noiseVariance() * variance).isBetween(0.015, 0.09);
        // The bump is a quarter period wide: a length-scale of the order of 0.1 to 1 of the box.
        assertThat(gp.hyperparameters().lengthScales()[0]).isBetween(0.1, 1.0);
        assertThat(gp.predict(new double[] {0.25}).mean()).isCloseTo(1, offset(0.2));
    }
}
