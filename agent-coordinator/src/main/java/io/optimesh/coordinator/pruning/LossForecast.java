package io.optimesh.coordinator.pruning;

import io.optimesh.v1.Trial;

import java.util.Optional;

/**
 * Where a running trial's learning curve will end, as law-svc predicts it: the prediction of the
 * final validation loss with its interval. In production this is fed by law-svc's {@code
 * LawPredictionPublished} events on {@code optimesh.predictions.v1} (key = run id; {@code
 * final_validation_loss}, or {@code final_loss} before the run's first evaluation, carries the step,
 * loss, lower and upper bound); the pruner only sees this interface.
 */
public interface LossForecast {

    /** The latest forecast for the trial's current run, or empty while the law has none. */
    Optional<Forecast> forecast(Trial trial);

    /**
     * @param finalStep the step the forecast is for: the run's last
     * @param observedStep the last step of the curve the law was fitted on
     * @param value the predicted final loss
     * @param lower the interval's lower bound
     * @param upper the interval's upper bound
     */
    record Forecast(long finalStep, long observedStep, double value, double lower, double upper) {}
}
