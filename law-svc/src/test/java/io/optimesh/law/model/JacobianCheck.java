package io.optimesh.law.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Compares a law's analytic derivatives with central finite differences. */
final class JacobianCheck {

    private JacobianCheck() {
    }

    static void assertMatchesFiniteDifferences(LossLaw.Evaluator evaluator, double[] params, double tolerance) {
        int n = evaluator.size();
        int p = params.length;
        double[] values = new double[n];
        double[][] jacobian = new double[n][p];
        evaluator.evaluate(params, values, jacobian);
        for (int j = 0; j < p; j++) {
            double h = 1e-6 * Math.max(Math.abs(params[j]), 1e-3);
            double[] up = params.clone();
            double[] down = params.clone();
            up[j] += h;
            down[j] -= h;
            double[] vu = new double[n];
            double[] vd = new double[n];
            evaluator.evaluate(up, vu, null);
            evaluator.evaluate(down, vd, null);
            for (int i = 0; i < n; i++) {
                double numeric = (vu[i] - vd[i]) / (2 * h);
                // Compare in loss units per relative parameter change, so every parameter has one scale.
                double scale = Math.max(Math.abs(params[j]), 1e-3);
                assertThat(jacobian[i][j] * scale).as("d value[%d] / d param[%d]", i, j)
                        .isCloseTo(numeric * scale, within(tolerance));
            }
        }
    }
}
