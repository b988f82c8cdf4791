package io.optimesh.coordinator.study;

import io.optimesh.v1.TrialState;

/** What a trial's state means for its study. */
public final class TrialStates {

    private TrialStates() {}

    /** Holds a slot of the study's parallelism: proposed or training. */
    public static boolean active(TrialState s) {
        return s == TrialState.TRIAL_STATE_PENDING || s == TrialState.TRIAL_STATE_RUNNING;
    }

    /** Reached an outcome. A stopped trial has not: resuming its study trains it again. */
    public static boolean completed(TrialState s) {
        return s == TrialState.TRIAL_STATE_SUCCEEDED
                || s == TrialState.TRIAL_STATE_PRUNED
                || s == TrialState.TRIAL_STATE_FAILED
                || s == TrialState.TRIAL_STATE_DIVERGED;
    }
}
