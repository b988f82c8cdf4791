package io.optimesh.trainer.run;

/**
 * What a run gets for the spec fields it leaves at zero, and the service-wide training settings.
 *
 * @param device device of runs that name none
 * @param evalBatches validation batches per evaluation
 * @param metricsBatchSize step metrics per event
 * @param keepLastCheckpoints checkpoints kept besides the best
 * @param divergenceFactor a loss above this multiple of the best loss so far is divergence
 */
public record RunDefaults(
        String device, int evalBatches, int metricsBatchSize, int keepLastCheckpoints, double divergenceFactor) {}
