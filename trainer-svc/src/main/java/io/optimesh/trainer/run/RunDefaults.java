package io.optimesh.trainer.run;

/**
 * What a run gets for the spec fields it leaves at zero, and the service-wide training settings.
 *
 * @param device device of runs that name none
 * @param evalBatches validation batches per evaluation
 * @param metricsBatchSize step metrics per event
 * @param keepLastCheckpoints checkpoints kept besides the best
 * @param divergenceFactor a loss above this multiple of the best loss so far is divergence
 * @param optimizerReplicas optimizer-svc replicas configured for remote optimizer placement (0: none)
 */
public record RunDefaults(
        String device, int evalBatches, int metricsBatchSize, int keepLastCheckpoints, double divergenceFactor,
        int optimizerReplicas) {

    /** Defaults of a trainer with no optimizer-svc replicas: every run's optimizer runs in process. */
    public RunDefaults(String device, int evalBatches, int metricsBatchSize, int keepLastCheckpoints,
            double divergenceFactor) {
        this(device, evalBatches, metricsBatchSize, keepLastCheckpoints, divergenceFactor, 0);
    }
}
