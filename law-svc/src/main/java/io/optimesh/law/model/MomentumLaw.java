package io.optimesh.law.model;

import java.util.List;
import java.util.Objects;

/**
 * The momentum law of Tissue et al. (arXiv 2408.11029): {@code L = L0 + A S1^(-alpha) - C S2} with
 * S1 the LR area up to the step (warmup included) and S2 the annealing area: {@code S2(t) = m_1 + ...
 * + m_t}, {@code m_i = lambda m_{i-1} + (eta_{i-1} - eta_i)}. Parameters: L0, A, alpha, C; the
 * momentum decay lambda is fixed (the paper uses about 0.999).
 *
 * <p>Known flaw: S2 keeps growing the longer and deeper a schedule anneals, so the law rewards ever
 * longer annealing; optimising a schedule against it needs bounds.
 */
public final class MomentumLaw implements LossLaw {

    public static final double DEFAULT_DECAY = 0.999;
    /** As for the MPL, leave-one-out back-tests on the paper's curves slightly favour step 1. */
    public static final AnnealingConvention DEFAULT_CONVENTION = AnnealingConvention.FROM_FIRST_STEP;

    private final double decay;
    private final AnnealingConvention convention;

    public MomentumLaw(double decay, AnnealingConvention convention) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("momentum decay must lie in [0, 1), got " + decay);
        }
        this.decay = decay;
        this.convention = Objects.requireNonNull(convention, "convention");
    }

    public MomentumLaw(AnnealingConvention convention) {
        this(DEFAULT_DECAY, convention);
    }

    public MomentumLaw() {
        this(DEFAULT_CONVENTION);
    }

    public double decay() {
        return decay;
    }

    public AnnealingConvention convention() {
        return convention;
    }

    @Override
    public String id() {
        return "momentum";
    }

    @Override
    public List<Parameter> parameters(double minLoss) {
        return List.of(
                Parameter.linear("L0", 0, 2 * minLoss, 0.6 * minLoss, 0.95 * minLoss),
                Parameter.log("A", 1e-8, 1e8, 0.05, 5),
                Parameter.log("alpha", 1e-4, 5, 0.1, 1.2),
                Parameter.log("C", 1e-8, 1e8, 0.01, 100));
    }

    @Override
    public Evaluator prepare(double[] lrs, int[] steps) {
        LossLaw.checkSteps(lrs, steps);
        double[] area = LossLaw.lrArea(lrs);
        int firstK = Math.max(1, convention.firstStep(lrs));
        double[] logArea = new double[steps.length];
        double[] annealing = new double[steps.length];
        double momentum = 0;
        double s2 = 0;
        int next = 0;
        for (int s = 0; s < lrs.length && next < steps.length; s++) {
            if (s >= firstK) {
                momentum = decay * momentum + (lrs[s - 1] - lrs[s]);
                s2 += momentum;
            }
            if (s == steps[next]) {
                if (!(area[s] > 0)) {
                    throw new IllegalArgumentException("the LR area up to step " + s
                            + " is 0: the momentum law is undefined there");
                }
                logArea[next] = Math.log(area[s]);
                annealing[next] = s2;
                next++;
            }
        }
        return new Evaluator() {
            @Override
            public int size() {
                return logArea.length;
            }

            @Override
            public void evaluate(double[] params, double[] values, double[][] jacobian) {
                double l0 = params[0];
                double a = params[1];
                double alpha = params[2];
                double c = params[3];
                for (int i = 0; i < logArea.length; i++) {
                    double power = Math.exp(-alpha * logArea[i]);
                    values[i] = l0 + a * power - c * annealing[i];
                    if (jacobian != null) {
                        double[] row = jacobian[i];
                        row[0] = 1;
                        row[1] = power;
                        row[2] = -a * logArea[i] * power;
                        row[3] = -annealing[i];
                    }
                }
            }
        };
    }
}
