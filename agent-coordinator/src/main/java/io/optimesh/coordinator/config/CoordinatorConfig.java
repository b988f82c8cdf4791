package io.optimesh.coordinator.config;

import io.optimesh.core.events.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Everything agent-coordinator can be told, under {@code optimesh.coordinator}. */
@ConfigMapping(prefix = "optimesh.coordinator")
public interface CoordinatorConfig {

    /** The study event log: the source of truth the coordinator replays on start. */
    @WithDefault(Topics.STUDIES)
    String studiesTopic();

    /** law-svc's predictions, whose forecasts law-based pruning reads. */
    @WithDefault(Topics.PREDICTIONS)
    String predictionsTopic();

    /**
     * How often the predictions topic's partitions are looked up again (a topic law-svc creates
     * later is picked up), and the wait after a failed read.
     */
    @WithDefault("5s")
    Duration predictionsRefresh();

    /** The CloudEvents {@code ce_source} of every event the coordinator publishes. */
    @WithDefault("//optimesh.io/agent-coordinator")
    String eventSource();

    /** How long reading the study log back on start may take before startup fails. */
    @WithDefault("60s")
    Duration replayTimeout();

    /** Retries of a failed trial when a study leaves {@code max_retries} at 0. */
    @WithDefault("1")
    int defaultMaxRetries();

    /** Points per float axis (and at most per int axis) of the grid sampler. */
    @WithDefault("5")
    int gridPointsPerAxis();

    /** How often every running study is re-examined (wall-time budgets, lost trial tasks). */
    @WithDefault("2s")
    Duration tickInterval();

    /** Wait between attempts when the trainer or the log is unreachable. */
    @WithDefault("1s")
    Duration retryBackoff();

    /**
     * Deadline of law-informed sampling's calls to law-svc (an Opt-Laws fit and a ranking per
     * proposal); past it the sampler keeps TPE's proposal.
     */
    @WithDefault("30s")
    Duration lawDeadline();

    /** Trainer calls. */
    Trainer trainer();

    interface Trainer {
        /** Deadline of the unary trainer calls (CreateRun, GetRun, StopRun). */
        @WithDefault("30s")
        Duration callTimeout();

        /** Poll interval when the trainer cannot stream a run (WatchRun unimplemented). */
        @WithDefault("1s")
        Duration pollInterval();
    }
}
