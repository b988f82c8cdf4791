package io.optimesh.law.model;

import java.util.List;

/**
 * The plain power law, the baseline every richer law must beat: {@code L = L0 + A x^(-alpha)}.
 *
 * <p>In {@link Variable#LR_AREA} form x is the area under the LR curve up to the step, warmup
 * included ({@code S1(t) + SW}), so that a schedule's shape matters only through its area; in
 * {@link Variable#STEPS} form x is the step itself, the classic fit to a single curve that ignores
 * the schedule. Parameters: L0, A, alpha.
 */
public final class PowerLaw implements LossLaw {

    /** What the power is taken of. */
    public enum Variable {
        /** The LR area S1(t) + SW = lrs[0] + ... + lrs[t]. */
        LR_AREA,
        /** The step t. */
        STEPS
    }

    private final Variable variable;

    public PowerLaw(Variable variable) {
        this.variable = variable;
    }

    public static PowerLaw ofLrArea() {
        return new PowerLaw(Variable.LR_AREA);
    }

    public static PowerLaw ofSteps() {
        return new PowerLaw(Variable.STEPS);
    }

    public Variable variable() {
        return variable;
    }

    @Override
    public String id() {
        return variable == Variable.LR_AREA ? "power" : "power-steps";
    }

    @Override
    public List<Parameter> parameters(double minLoss) {
        return List.of(
                Parameter.linear("L0", 0, 2 * minLoss, 0.3 * minLoss, 0.95 * minLoss),
                Parameter.log("A", 1e-8, 1e8, variable == Variable.LR_AREA ? 0.05 : 0.5,
                        variable == Variable.LR_AREA ? 5 : 500),
                Parameter.log("alpha", 1e-4, 5, 0.05, 1.5));
    }

    @Override
    public Evaluator prepare(double[] lrs, int[] steps) {
        LossLaw.checkSteps(lrs, steps);
        double[] area = variable == Variable.LR_AREA ? LossLaw.lrArea(lrs) : null;
        double[] logX = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            double x = area != null ? area[steps[i]] : steps[i];
            if (!(x > 0)) {
                throw new IllegalArgumentException(variable == Variable.LR_AREA
                        ? "the LR area up to step " + steps[i] + " is 0: the power law is undefined there"
                        : "the step-based power law is undefined at step 0");
            }
            logX[i] = Math.log(x);
        }
        return new Evaluator() {
            @Override
            public int size() {
                return logX.length;
            }

            @Override
            public void evaluate(double[] params, double[] values, double[][] jacobian) {
                double l0 = params[0];
                double a = params[1];
                double alpha = params[2];
                for (int i = 0; i < logX.length; i++) {
                    double power = Math.exp(-alpha * logX[i]);
                    values[i] = l0 + a * power;
                    if (jacobian != null) {
                        double[] row = jacobian[i];
                        row[0] = 1;
                        row[1] = power;
                        row[2] = -a * logX[i] * power;
                    }
                }
            }
        };
    }
}
