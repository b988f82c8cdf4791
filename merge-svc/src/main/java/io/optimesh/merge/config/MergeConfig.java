package io.optimesh.merge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.nio.file.Path;
import java.time.Duration;

/** merge-svc's settings, {@code optimesh.merge.*} (env: {@code OPTIMESH_MERGE_*}). */
@ConfigMapping(prefix = "optimesh.merge")
public interface MergeConfig {

    /**
     * Where merged checkpoints go when a request names no output: {@code <dir>/<request_id>.safetensors},
     * or a random UUID for the name when the request has no id. Created on first use.
     */
    @WithName("checkpoint-dir")
    Path checkpointDirectory();

    /**
     * Elements of one tensor read from each input at a time. A merge holds {@code 2 * (inputs + 1) * chunk}
     * doubles (two chunks in flight), whatever the size of the model: 262144 is 2 MiB per input and chunk.
     */
    int chunkElements();

    /** Completed request ids remembered, so that a retried request gets its first answer back. */
    int rememberedRequests();

    /** How long one held-out evaluation of a weight search's candidate may take at trainer-svc. */
    @WithDefault("10m")
    Duration evaluationTimeout();
}
