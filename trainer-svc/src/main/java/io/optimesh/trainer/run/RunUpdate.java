package io.optimesh.trainer.run;

import io.optimesh.v1.Run;
import io.optimesh.v1.StepMetrics;
import java.util.List;

/**
 * What a watcher of a run is told: the run as of now, the step metrics since the previous update,
 * and whether this is the last update (the run reached a terminal state).
 */
public record RunUpdate(Run run, List<StepMetrics> metrics, boolean last) {

    public RunUpdate {
        metrics = List.copyOf(metrics);
    }
}
