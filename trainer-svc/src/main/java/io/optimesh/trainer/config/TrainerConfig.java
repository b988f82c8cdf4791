package io.optimesh.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** trainer-svc's settings, {@code optimesh.trainer.*} (env: {@code OPTIMESH_TRAINER_*}). */
@ConfigMapping(prefix = "optimesh.trainer")
public interface TrainerConfig {

    /** The mesh's state directory; a run's checkpoints go under {@code checkpoints/runs/<id>/} in it. */
    Path stateDir();

    /** Device of runs that name none: {@code cpu}, {@code gpu}, {@code gpu:N} or {@code auto}. */
    @WithDefault("cpu")
    String device();

    /**
     * Number format runs train in: {@code fp32}, {@code bf16} or {@code fp16}. The trainer refuses to
     * start with one the device cannot train in (see {@code io.optimesh.trainer.model.Precision}).
     */
    @WithDefault("fp32")
    String precision();

    /** Validation batches per evaluation when a run or an EvaluateCheckpoint request names none. */
    @WithDefault("8")
    int evalBatches();

    /** Sequences per validation batch of EvaluateCheckpoint when the request names none. */
    @WithDefault("16")
    int evalBatchSize();

    /** Step metrics per RunMetricsReported event (and WatchRun update) when the run names none. */
    @WithDefault("10")
    int metricsBatchSize();

    /** Checkpoints kept besides the best when the run names none. */
    @WithDefault("3")
    int keepLastCheckpoints();

    /** Runs that may wait PENDING behind the running one; CreateRun answers RESOURCE_EXHAUSTED beyond. */
    @WithDefault("16")
    int maxQueuedRuns();

    /** A step loss above this multiple of the best loss so far ends the run as DIVERGED. */
    @WithDefault("3.0")
    double divergenceFactor();

    /** How long StopRun waits for the run to reach its next step boundary before it answers. */
    @WithDefault("30s")
    Duration stopWait();

    /**
     * optimizer-svc replicas for runs that place their optimizer there, {@code host:port} each, in
     * shard order (every trainer sharing a replica set must list it in the same order). None: such
     * runs are refused.
     */
    Optional<List<String>> optimizerReplicas();
}
