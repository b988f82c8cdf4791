package io.optimesh.trainer.training;

/**
 * How the loop runs, apart from the model, the data, the optimizer and the schedule.
 *
 * @param steps total optimizer steps of the run (steps 0 … steps−1); a resumed run ends here too
 * @param microBatchRows rows per forward/backward pass
 * @param accumulation micro-batches whose gradients are summed (averaged) per optimizer step
 * @param seed seeds the per-step dropout masks
 * @param gradClip global L2 norm the gradient is scaled down to when above it; 0 disables clipping
 * @param evalEvery evaluate after every this many steps (0: only at the end)
 * @param metricsBatch step metrics delivered to the listener per call
 * @param divergenceFactor a loss above this multiple of the best loss so far means divergence
 * @param checkpointEvery save a checkpoint after every this many steps, after the last one and
 *     when stopped (0: never)
 */
public record TrainingConfig(
        long steps,
        int microBatchRows,
        int accumulation,
        long seed,
        double gradClip,
        int evalEvery,
        int metricsBatch,
        double divergenceFactor,
        int checkpointEvery) {

    public TrainingConfig {
        require(steps > 0, "steps must be positive");
        require(microBatchRows > 0, "microBatchRows must be positive");
        require(accumulation > 0, "accumulation must be positive");
        require(gradClip >= 0 && Double.isFinite(gradClip), "gradClip must be finite and not negative");
        require(evalEvery >= 0, "evalEvery must not be negative");
        require(metricsBatch > 0, "metricsBatch must be positive");
        require(divergenceFactor > 1 && Double.isFinite(divergenceFactor), "divergenceFactor must be finite and above 1");
        require(checkpointEvery >= 0, "checkpointEvery must not be negative");
    }

    /** Clip at 1.0, evaluate only at the end, metrics in batches of 10, divergence factor 3, no checkpoints. */
    public static TrainingConfig of(long steps, int microBatchRows, int accumulation, long seed) {
        return new TrainingConfig(steps, microBatchRows, accumulation, seed, 1.0, 0, 10, 3.0, 0);
    }

    /** Rows per optimizer step. */
    public int rowsPerStep() {
        return microBatchRows * accumulation;
    }

    public TrainingConfig withGradClip(double value) {
        return new TrainingConfig(
                steps, microBatchRows, accumulation, seed, value, evalEvery, metricsBatch, divergenceFactor, checkpointEvery);
    }

    public TrainingConfig withEvalEvery(int value) {
        return new TrainingConfig(
                steps, microBatchRows, accumulation, seed, gradClip, value, metricsBatch, divergenceFactor, checkpointEvery);
    }

    public TrainingConfig withMetricsBatch(int value) {
        return new TrainingConfig(
                steps, microBatchRows, accumulation, seed, gradClip, evalEvery, value, divergenceFactor, checkpointEvery);
    }

    public TrainingConfig withCheckpointEvery(int value) {
        return new TrainingConfig(
                steps, microBatchRows, accumulation, seed, gradClip, evalEvery, metricsBatch, divergenceFactor, value);
    }

    public TrainingConfig withSteps(long value) {
        return new TrainingConfig(
                value, microBatchRows, accumulation, seed, gradClip, evalEvery, metricsBatch, divergenceFactor, checkpointEvery);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
