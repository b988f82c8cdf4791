package io.optimesh.coordinator.execution;

import io.optimesh.coordinator.study.StudyAggregate;
import io.optimesh.v1.StudyBudget;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** When a study's budget is spent. Limits left at 0 do not apply. */
public final class StudyBudgets {

    private StudyBudgets() {}

    /** Whether another trial may be proposed under max_trials. */
    public static boolean mayPropose(StudyAggregate study) {
        int max = study.spec().getBudget().getMaxTrials();
        return max == 0 || study.trialCount() < max;
    }

    /**
     * The limit that ends the study at once, stopping the trials in flight: the tokens or the wall
     * time spent. (max_trials instead lets the proposed trials finish.)
     */
    public static Optional<String> hardLimitReached(StudyAggregate study, Instant now) {
        StudyBudget b = study.spec().getBudget();
        if (b.getMaxTokens() > 0 && study.computeTokens() >= b.getMaxTokens()) {
            return Optional.of(
                    "token budget spent: "
                            + study.computeTokens()
                            + " of "
                            + b.getMaxTokens()
                            + " tokens");
        }
        if (b.getMaxWallSeconds() > 0) {
            Duration elapsed = Duration.between(study.createTime(), now);
            if (elapsed.getSeconds() >= b.getMaxWallSeconds()) {
                return Optional.of("wall-time budget spent: " + b.getMaxWallSeconds() + " s");
            }
        }
        return Optional.empty();
    }
}
