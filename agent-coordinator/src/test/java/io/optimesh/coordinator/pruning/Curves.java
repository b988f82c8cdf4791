package io.optimesh.coordinator.pruning;

import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

/** Trials whose reports follow the analytic learning curves of the runner's tests. */
final class Curves {

    static final long STEPS = 100;

    private Curves() {}

    /** Validation loss at a step of a run whose final loss is {@code finalLoss}. */
    static double loss(double finalLoss, long step) {
        double remaining = 1.0 - (double) step / STEPS;
        return finalLoss + (5.5 - finalLoss) * remaining * remaining;
    }

    /** A trial with reports at the given steps on the curve ending at {@code finalLoss}. */
    static Trial trial(String name, TrialState state, double finalLoss, long... steps) {
        Trial.Builder b = Trial.newBuilder().setName(name).setState(state);
        for (long s : steps) {
            b.addIntermediateValues(
                    IntermediateValue.newBuilder().setStep(s).setValue(loss(finalLoss, s)));
        }
        if (state == TrialState.TRIAL_STATE_SUCCEEDED) {
            b.setObjectiveValue(finalLoss);
        }
        return b.build();
    }

    static Trial reports(String name, TrialState state, long[] steps, double[] values) {
        Trial.Builder b = Trial.newBuilder().setName(name).setState(state);
        for (int i = 0; i < steps.length; i++) {
            b.addIntermediateValues(
                    IntermediateValue.newBuilder().setStep(steps[i]).setValue(values[i]));
        }
        return b.build();
    }
}
