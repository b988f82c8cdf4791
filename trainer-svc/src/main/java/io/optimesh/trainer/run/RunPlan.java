package io.optimesh.trainer.run;

import ai.djl.Device;
import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.training.OptimizerSettings;
import io.optimesh.trainer.training.TrainingConfig;

/**
 * A checked run spec, turned into what the training code takes.
 *
 * @param model the model's shape
 * @param dataset the corpus trained and evaluated on
 * @param sequenceLength tokens per row
 * @param training the loop's settings (steps, batch split, clipping, evaluation and checkpoint cadence)
 * @param optimizer the optimizer algorithm, its hyper-parameters and weight decay
 * @param remoteOptimizer whether the optimizer runs in optimizer-svc (else in process)
 * @param schedule the learning rate of every step
 * @param evalBatches validation batches per evaluation (of {@code training.microBatchRows()} rows)
 * @param keepLastCheckpoints checkpoints kept besides the best
 * @param device where the run trains
 */
record RunPlan(
        GptConfig model,
        Datasets.Dataset dataset,
        int sequenceLength,
        TrainingConfig training,
        OptimizerSettings optimizer,
        boolean remoteOptimizer,
        ScheduleEvaluator schedule,
        int evalBatches,
        int keepLastCheckpoints,
        Device device) {}
