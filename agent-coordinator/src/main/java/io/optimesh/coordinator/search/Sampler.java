package io.optimesh.coordinator.search;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.Trial;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Proposes the parameters of a study's next trial.
 *
 * <p>A proposal depends only on the study's spec (seed included), the trial's index and the trials
 * so far, never on timing, so that a coordinator that restarts from the study log proposes what it
 * would have proposed without the restart.
 */
public interface Sampler {

    /**
     * The parameters of trial number {@code index} (0-based), or empty when the sampler has nothing
     * left to propose (a grid that has been covered).
     *
     * @param history the study's trials so far, in creation order
     */
    Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history);
}
