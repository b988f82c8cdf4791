package io.optimesh.trainer.training;

/**
 * What one optimizer step did.
 *
 * @param step 0-based index of the step (the schedule's and the sampler's step)
 * @param loss mean next-token cross-entropy (nats) over the step's tokens, before the update
 * @param learningRate the schedule's value at this step
 * @param gradNorm global L2 norm of the gradient before clipping
 * @param clipped whether the gradient was scaled down to the clipping norm
 * @param updateToParamRatio ‖Δθ‖ / ‖θ‖ over all parameters
 * @param tokensPerSecond the step's tokens over its wall time (forward, backward and update)
 * @param tokensSeen training tokens consumed up to and including this step
 * @param seconds the step's wall time
 */
public record StepMetrics(
        long step,
        double loss,
        double learningRate,
        double gradNorm,
        boolean clipped,
        double updateToParamRatio,
        double tokensPerSecond,
        long tokensSeen,
        double seconds) {}
