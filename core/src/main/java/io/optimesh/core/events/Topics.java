package io.optimesh.core.events;

import java.util.List;

/** The mesh's Kafka topics: versioned, keyed so that one run's or study's events stay ordered. */
public final class Topics {

    /** Run lifecycle, step metrics, evaluations and checkpoints; key: run id. */
    public static final String RUNS = "optimesh.runs.v1";
    /** The study event log the coordinator rebuilds its state from; key: study id. */
    public static final String STUDIES = "optimesh.studies.v1";
    /** Agents' proposals, critiques and decisions; key: study id. */
    public static final String AGENTS = "optimesh.agents.v1";
    /** Loss-curve law predictions as curves arrive; key: run id. */
    public static final String PREDICTIONS = "optimesh.predictions.v1";
    /** Checkpoint merges and merge-weight searches; key: the output checkpoint URI. */
    public static final String MERGES = "optimesh.merges.v1";

    /** Every topic, for tools that create them up front. */
    public static final List<String> ALL = List.of(RUNS, STUDIES, AGENTS, PREDICTIONS, MERGES);

    private Topics() {
    }
}
