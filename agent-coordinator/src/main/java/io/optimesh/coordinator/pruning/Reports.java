package io.optimesh.coordinator.pruning;

import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/** Reading trials' intermediate reports. */
final class Reports {

    private Reports() {}

    static IntermediateValue last(Trial t) {
        return t.getIntermediateValues(t.getIntermediateValuesCount() - 1);
    }

    /** The step of the report before the last, or -1. */
    static long previousStep(Trial t) {
        int n = t.getIntermediateValuesCount();
        return n < 2 ? -1 : t.getIntermediateValues(n - 2).getStep();
    }

    /** The value reported at exactly this step. */
    static OptionalDouble at(Trial t, long step) {
        for (IntermediateValue v : t.getIntermediateValuesList()) {
            if (v.getStep() == step) {
                return OptionalDouble.of(v.getValue());
            }
        }
        return OptionalDouble.empty();
    }

    /** The value of the first report at or after this step: what the trial had on getting there. */
    static OptionalDouble reached(Trial t, long step) {
        for (IntermediateValue v : t.getIntermediateValuesList()) {
            if (v.getStep() >= step) {
                return OptionalDouble.of(v.getValue());
            }
        }
        return OptionalDouble.empty();
    }

    /** The trials other than {@code trial} that succeeded. */
    static List<Trial> otherSucceeded(Trial trial, List<Trial> trials) {
        List<Trial> out = new ArrayList<>();
        for (Trial t : trials) {
            if (!t.getName().equals(trial.getName())
                    && t.getState() == TrialState.TRIAL_STATE_SUCCEEDED) {
                out.add(t);
            }
        }
        return out;
    }

    /** NaN sorts last: a diverged report is the worst there is. */
    static double orWorst(double v) {
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }
}
