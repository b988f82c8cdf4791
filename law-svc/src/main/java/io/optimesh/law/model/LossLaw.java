package io.optimesh.law.model;

import java.util.List;

/**
 * A law that predicts the training loss at a step from the learning rates of all steps before it.
 *
 * <p>Laws are evaluated in two stages: {@link #prepare} does the parameter-independent work for one
 * LR sequence and the steps to evaluate at (areas, annealing sums), once; the returned
 * {@link Evaluator} then maps parameter vectors to predicted losses, and to their derivatives, cheaply,
 * as a fit needs many times.
 */
public interface LossLaw {

    /** A short stable id, e.g. {@code mpl}. */
    String id();

    /**
     * The law's parameters in the order {@link Evaluator#evaluate} takes them, with bounds and start
     * ranges for curves whose smallest observed loss is {@code minLoss}.
     */
    List<Parameter> parameters(double minLoss);

    /**
     * Parameter-independent work for evaluating the law at {@code steps} of the LR sequence {@code lrs}.
     *
     * @param lrs the learning rate of every step from 0, warmup included
     * @param steps strictly increasing steps, each within {@code lrs}
     * @throws IllegalArgumentException when the law is undefined at one of the steps
     */
    Evaluator prepare(double[] lrs, int[] steps);

    /** The law bound to one LR sequence and its evaluation steps. */
    interface Evaluator {

        /** Number of evaluation steps. */
        int size();

        /**
         * Predicted loss at every evaluation step.
         *
         * @param params parameter values, in {@link #parameters} order
         * @param values receives the prediction at each step
         * @param jacobian when not {@code null}, receives {@code d values[i] / d params[j]} in
         *     {@code jacobian[i][j]}
         */
        void evaluate(double[] params, double[] values, double[][] jacobian);
    }

    /** Checks evaluation steps against an LR sequence, as every law needs. */
    static void checkSteps(double[] lrs, int[] steps) {
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 0 || steps[i] >= lrs.length) {
                throw new IllegalArgumentException("step " + steps[i] + " lies outside the LR sequence of "
                        + lrs.length + " steps");
            }
            if (i > 0 && steps[i] <= steps[i - 1]) {
                throw new IllegalArgumentException("evaluation steps must increase: " + steps[i - 1] + " then " + steps[i]);
            }
        }
    }

    /**
     * Inclusive prefix sums of the LR sequence: {@code area[s] = lrs[0] + ... + lrs[s]}, the area
     * S1 + SW under the LR curve up to step s, warmup included.
     */
    static double[] lrArea(double[] lrs) {
        double[] area = new double[lrs.length];
        double sum = 0;
        for (int s = 0; s < lrs.length; s++) {
            sum += lrs[s];
            area[s] = sum;
        }
        return area;
    }
}
