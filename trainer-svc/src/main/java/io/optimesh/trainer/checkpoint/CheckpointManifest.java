package io.optimesh.trainer.checkpoint;

import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.training.Evaluation;
import java.util.List;

/**
 * The JSON sidecar of a checkpoint ({@code checkpoint.json}): what the weights are, where the
 * optimizer state is, and where the data stream stands, so a run resumes exactly.
 *
 * @param format {@link #FORMAT}
 * @param step optimizer steps applied; a resumed run starts at this step
 * @param tokensSeen training tokens consumed so far
 * @param bestLoss lowest step loss so far, null when no step ran
 * @param lastLoss loss of the last step, null when no step ran
 * @param evaluation the latest evaluation, or null
 * @param model the model's shape
 * @param weights file name of the weights (safetensors, Hugging Face GPT-2 names)
 * @param optimizer the optimizer and its state file
 * @param data the data position
 * @param createdAt when the checkpoint was written (ISO-8601 instant)
 */
public record CheckpointManifest(
        String format,
        long step,
        long tokensSeen,
        Double bestLoss,
        Double lastLoss,
        Evaluation evaluation,
        GptConfig model,
        String weights,
        Optimizer optimizer,
        Data data,
        String createdAt) {

    /** The sidecar's format tag, bumped on incompatible change. */
    public static final String FORMAT = "optimesh.checkpoint.v1";

    /**
     * @param name the algorithm (for example {@code adamw})
     * @param updates updates it had applied
     * @param state file name of its state arrays (safetensors); null when {@code snapshots} hold it
     * @param snapshots URIs of the state's snapshots in optimizer-svc, one per replica ("" for a
     *     replica holding none), when the optimizer ran there; null or empty otherwise
     */
    public record Optimizer(String name, long updates, String state, List<String> snapshots) {

        public Optimizer(String name, long updates, String state) {
            this(name, updates, state, null);
        }

        /** Whether the state is in optimizer-svc's snapshots rather than a file of the checkpoint. */
        public boolean remote() {
            return snapshots != null && !snapshots.isEmpty();
        }
    }

    /**
     * Batches are a pure function of (seed, step), so this is the whole data position.
     *
     * @param seed the run seed batches and dropout masks derive from
     * @param nextStep the step whose batch comes next
     */
    public record Data(long seed, long nextStep) {}
}
