package io.optimesh.trainer.training;

import java.util.List;

/**
 * Why a run was stopped as diverged, with the numbers that show it.
 *
 * @param step the step whose loss or gradient diverged (its update was not applied)
 * @param reason which test failed
 * @param loss that step's loss (may be NaN or infinite)
 * @param gradNorm that step's gradient norm, or NaN when the loss already failed
 * @param bestLoss the lowest step loss before it
 * @param threshold the loss limit in force: {@code factor × bestLoss}
 * @param recentLosses losses of the steps just before it, oldest first
 */
public record Divergence(
        long step, Reason reason, double loss, double gradNorm, double bestLoss, double threshold,
        List<Double> recentLosses) {

    public enum Reason {
        /** The loss was NaN or infinite. */
        NON_FINITE_LOSS,
        /** The gradient norm was NaN or infinite. */
        NON_FINITE_GRADIENT,
        /** The loss exceeded the divergence factor times the best loss so far. */
        LOSS_EXPLOSION
    }

    public Divergence {
        recentLosses = List.copyOf(recentLosses);
    }

    /** One line for logs and run status. */
    public String describe() {
        return switch (reason) {
            case NON_FINITE_LOSS -> "loss became " + loss + " at step " + step;
            case NON_FINITE_GRADIENT -> "gradient norm became " + gradNorm + " at step " + step + " (loss " + loss + ")";
            case LOSS_EXPLOSION -> "loss " + loss + " at step " + step + " exceeded " + threshold
                    + " (the limit over the best loss " + bestLoss + ")";
        };
    }
}
