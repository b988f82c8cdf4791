package io.optimesh.trainer.training;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;

/**
 * Flags a run as diverged when a step's loss or gradient norm is NaN or infinite, or when the
 * loss exceeds {@code factor} times the lowest loss seen so far (the first step's loss is the first
 * best, so early on this is a multiple of the initial loss). A byte-level model starts near
 * ln 256 ≈ 5.5 nats, so with the default factor of 3 a fresh run trips above ≈ 16.6 nats, and a
 * run that reached 1.5 trips when it is back above 4.5: worse than knowing nothing about context.
 */
public final class DivergenceDetector {

    private static final int RECENT = 8;

    private final double factor;
    private final Deque<Double> recent = new ArrayDeque<>();
    private double best;

    /**
     * @param factor the loss limit as a multiple of the best loss
     * @param bestLoss the best loss before the first checked step: +∞ for a fresh run, the
     *     checkpoint's value on resume
     */
    public DivergenceDetector(double factor, double bestLoss) {
        if (!(factor > 1)) {
            throw new IllegalArgumentException("the divergence factor must be above 1");
        }
        if (Double.isNaN(bestLoss)) {
            throw new IllegalArgumentException("bestLoss must be a number (+inf when unknown)");
        }
        this.factor = factor;
        this.best = bestLoss;
    }

    /** Checks a step's loss before its backward pass is used; null when it is fine. */
    public Divergence checkLoss(long step, double loss) {
        if (!Double.isFinite(loss)) {
            return divergence(step, Divergence.Reason.NON_FINITE_LOSS, loss, Double.NaN);
        }
        if (loss > factor * best) {
            return divergence(step, Divergence.Reason.LOSS_EXPLOSION, loss, Double.NaN);
        }
        return null;
    }

    /** Checks a step's gradient norm; null when it is fine. */
    public Divergence checkGradient(long step, double loss, double gradNorm) {
        if (!Double.isFinite(gradNorm)) {
            return divergence(step, Divergence.Reason.NON_FINITE_GRADIENT, loss, gradNorm);
        }
        return null;
    }

    /** Records a step that passed both checks. */
    public void accept(double loss) {
        best = Math.min(best, loss);
        recent.addLast(loss);
        if (recent.size() > RECENT) {
            recent.removeFirst();
        }
    }

    /** The lowest accepted loss, or +∞ before the first. */
    public double bestLoss() {
        return best;
    }

    private Divergence divergence(long step, Divergence.Reason reason, double loss, double gradNorm) {
        return new Divergence(step, reason, loss, gradNorm, best, factor * best, new ArrayList<>(recent));
    }
}
