package io.optimesh.coordinator.pruning;

import io.optimesh.v1.Trial;

import java.util.List;

/**
 * Decides whether a running trial should stop early, from its reported intermediate losses (its
 * {@code intermediate_values}, in step order) and the other trials' reports and outcomes.
 *
 * <p>A decision depends only on those trials as the study log records them, so a coordinator that
 * restarts and asks again about the same reports gets the same answer.
 */
public interface Pruner {

    /**
     * @param trial the running trial, with its reports so far
     * @param trials every trial of the study in creation order, {@code trial} among them
     */
    PruneDecision decide(Trial trial, List<Trial> trials);
}
