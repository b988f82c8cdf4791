package io.optimesh.coordinator.execution;

import io.optimesh.v1.TrialState;

import java.util.OptionalDouble;

/**
 * How a trial's run ended.
 *
 * @param state the trial state it leads to: SUCCEEDED, PRUNED, DIVERGED, FAILED or STOPPED
 * @param objective the final validation loss of a succeeded run; the last reported one of a
 *     pruned run
 * @param computeTokens tokens the run trained
 * @param reason why, in a few words (empty for success)
 */
public record TrialOutcome(
        TrialState state, OptionalDouble objective, long computeTokens, String reason) {

    public static TrialOutcome succeeded(double objective, long computeTokens) {
        return new TrialOutcome(
                TrialState.TRIAL_STATE_SUCCEEDED, OptionalDouble.of(objective), computeTokens, "");
    }

    public static TrialOutcome ended(TrialState state, long computeTokens, String reason) {
        return new TrialOutcome(state, OptionalDouble.empty(), computeTokens, reason);
    }
}
