package io.optimesh.core.bayesopt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class GaussianProcessTest {

    @Test
    void twoPointPosteriorMatchesTheHandComputedOne() {
        // y = (1, 3) standardises to (-1, 1) (mean 2, population sd 1). With l = 0.5, s^2 = 1.5, noise 0.01:
        // K = [[1.51, 0.78599116], [0.78599116, 1.51]] and k* at 0.4 = (1.32531799, 1.15348966), so
        // m = k*^T K^-1 y = -0.23732905 and var = s^2 - k*^T K^-1 k* = 0.14151969.
        GaussianProcess gp = GaussianProcess.fit(new double[][] {{0.2}, {0.7}}, new double[] {1, 3},
                new Hyperparameters(new double[] {0.5}, 1.5, 0.01));
        double[] standardised = gp.predictStandardised(new double[] {0.4});
        assertThat(standardised[0]).isCloseTo(-0.23732905113792363, offset(1e-12));
        assertThat(standardised[1]).isCloseTo(0.14151968636894008, offset(1e-12));
        GaussianProcess.Prediction p = gp.predict(new double[] {0.4});
        assertThat(p.mean()).isCloseTo(1.7626709488620764, offset(1e-12));
        assertThat(p.standardDeviation()).isCloseTo(0.37619102377507635, offset(1e-12));
        // -y^T K^-1 y / 2 - log|K| / 2 - log(2 pi)
        assertThat(gp.logMarginalLikelihood()).isCloseTo(-3.4731821520987927, offset(1e-12));
        assertThat(gp.jitter()).isZero();
    }

    @Test
    void threePointTwoDimensionalPosteriorMatchesAnIndependentComputation() {
        // numpy: X = [[.1,.9],[.5,.5],[.8,.2]], y = [2,1,4], l = (.4,.8), s^2 = .9, noise .05, at (.3,.6).
        GaussianProcess gp = GaussianProcess.fit(new double[][] {{0.1, 0.9}, {0.5, 0.5}, {0.8, 0.2}},
                new double[] {2, 1, 4}, new Hyperparameters(new double[] {0.4, 0.8}, 0.9, 0.05));
        GaussianProcess.Prediction p = gp.predict(new double[] {0.3, 0.6});
        assertThat(p.mean()).isCloseTo(1.1200083374361935, offset(1e-12));
        assertThat(p.standardDeviation()).isCloseTo(0.487104868071469, offset(1e-12));
    }

    @Test
    void nearlyNoiselessProcessInterpolatesItsObservationsAndIsSureThere() {
        double[][] x = {{0.0}, {0.3}, {0.55}, {1.0}};
        double[] y = {3.2, 1.1, 0.7, 2.9};
        GaussianProcess gp = GaussianProcess.fit(x, y, new Hyperparameters(new double[] {0.3}, 1, 1e-8));
        for (int i = 0; i < x.length; i++) {
            assertThat(gp.predict(x[i]).mean()).isCloseTo(y[i], offset(1e-5));
            assertThat(gp.predict(x[i]).standardDeviation()).isLessThan(1e-3);
        }
        // Far from the data the prior comes back: the mean of the data, the prior's spread.
        assertThat(gp.predict(new double[] {0.8}).standardDeviation()).isGreaterThan(0.3);
    }

    @Test
    void likelihoodGradientMatchesCentralDifferences() {
        double[][] x = {{0.1, 0.2}, {0.4, 0.9}, {0.5, 0.5}, {0.8, 0.1}, {0.95, 0.7}};
        double[] y = {1.3, 0.2, 0.8, 2.1, 1.0};
        Hyperparameters h = new Hyperparameters(new double[] {0.35, 0.6}, 1.3, 0.02);
        GaussianProcess gp = GaussianProcess.fit(x, y, h);
        double[] analytic = gp.logMarginalLikelihoodGradient();
        double[] theta = h.toLog();
        double step = 1e-6;
        for (int j = 0; j < theta.length; j++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[j] += step;
            minus[j] -= step;
            double numeric = (gp.withHyperparameters(Hyperparameters.fromLog(plus)).logMarginalLikelihood()
                    - gp.withHyperparameters(Hyperparameters.fromLog(minus)).logMarginalLikelihood()) / (2 * step);
            assertThat(analytic[j]).as("d LML / d theta_%d", j).isCloseTo(numeric, offset(1e-6 + 1e-6 * Math.abs(numeric)));
        }
    }

    @Test
    void duplicatePointsWithoutNoiseAreFactorisedWithJitter() {
        GaussianProcess gp = GaussianProcess.fit(new double[][] {{0.5}, {0.5}, {0.2}}, new double[] {1, 1, 2},
                new Hyperparameters(new double[] {0.3}, 1, 0));
        assertThat(gp.jitter()).isPositive().isLessThanOrEqualTo(1e-4);
        assertThat(gp.predict(new double[] {0.5}).mean()).isCloseTo(1, offset(1e-3));
    }

    @Test
    void refusesMismatchedInput() {
        Hyperparameters h = new Hyperparameters(new double[] {0.3}, 1, 0.01);
        assertThatThrownBy(() -> GaussianProcess.fit(new double[][] {{0.1, 0.2}}, new double[] {1}, h))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coordinates");
        assertThatThrownBy(() -> GaussianProcess.fit(new double[][] {{0.1}}, new double[] {Double.NaN}, h))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not finite");
        assertThatThrownBy(() -> GaussianProcess.fit(new double[0][], new double[0], h))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
