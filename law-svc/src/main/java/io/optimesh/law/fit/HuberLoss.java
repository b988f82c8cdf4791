package io.optimesh.law.fit;

/**
 * The Huber loss on residuals r: {@code r^2/2} for {@code |r| <= delta}, {@code delta (|r| - delta/2)}
 * beyond. The MPL paper fits with delta 1e-3 on log residuals: quadratic for errors under 0.1%, robust
 * to noise spikes above it.
 */
public record HuberLoss(double delta) {

    /** The delta of the MPL paper, on log residuals. */
    public static final HuberLoss PAPER = new HuberLoss(1e-3);

    public HuberLoss {
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("Huber delta must be positive and finite, got " + delta);
        }
    }

    public double rho(double r) {
        double a = Math.abs(r);
        return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
    }

    /**
     * The signed square root of {@code 2 rho(r)}: a residual whose square sum is twice the Huber
     * objective, so that a least-squares optimiser minimises the Huber objective itself.
     */
    public double rootResidual(double r) {
        double a = Math.abs(r);
        return a <= delta ? r : Math.copySign(Math.sqrt(delta * (2 * a - delta)), r);
    }

    /** d rootResidual / dr: 1 inside delta, {@code delta / sqrt(2 delta |r| - delta^2)} beyond. */
    public double rootResidualSlope(double r) {
        double a = Math.abs(r);
        return a <= delta ? 1 : delta / Math.sqrt(delta * (2 * a - delta));
    }
}
