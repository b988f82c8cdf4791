package io.optimesh.coordinator.pruning;

/**
 * A pruner's verdict on a trial.
 *
 * @param reason why, in a sentence a study's log can carry (for CONTINUE too, to explain waits)
 */
public record PruneDecision(Action action, String reason) {

    public enum Action {
        CONTINUE,
        PRUNE
    }

    public static PruneDecision proceed(String reason) {
        return new PruneDecision(Action.CONTINUE, reason);
    }

    public static PruneDecision prune(String reason) {
        return new PruneDecision(Action.PRUNE, reason);
    }

    public boolean pruned() {
        return action == Action.PRUNE;
    }
}
