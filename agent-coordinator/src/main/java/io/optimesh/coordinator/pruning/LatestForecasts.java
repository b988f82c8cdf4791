package io.optimesh.coordinator.pruning;

import io.optimesh.v1.Trial;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest forecast of each run, as law-svc publishes them, read by the law-based pruner
 * through {@link LossForecast}. A forecast fitted on fewer steps than the one held (a redelivery,
 * or a law-svc that restarted and refits from an older point) is ignored; one fitted through the
 * same step replaces it, since it is the newer refit of the same curve.
 */
public final class LatestForecasts implements LossForecast {

    private final Map<String, Forecast> byRun = new ConcurrentHashMap<>();

    /**
     * Takes a run's forecast unless it is older than the one held.
     *
     * @param run the run's name, {@code runs/{run}}
     * @return whether the forecast is now the run's latest
     * @throws IllegalArgumentException for a forecast that cannot bound a loss: a value or bound
     *     that is not finite, bounds that do not enclose the value, or negative steps
     */
    public boolean offer(String run, Forecast forecast) {
        if (run.isEmpty()) {
            throw new IllegalArgumentException("a forecast needs its run");
        }
        if (!Double.isFinite(forecast.value())
                || !Double.isFinite(forecast.lower())
                || !Double.isFinite(forecast.upper())
                || forecast.lower() > forecast.value()
                || forecast.value() > forecast.upper()) {
            throw new IllegalArgumentException(
                    String.format(
                            "forecast of %s is not a finite value inside its interval:"
                                    + " %s in [%s, %s]",
                            run, forecast.value(), forecast.lower(), forecast.upper()));
        }
        if (forecast.observedStep() < 0 || forecast.finalStep() < 0) {
            throw new IllegalArgumentException(
                    "forecast of " + run + " has a negative step: " + forecast);
        }
        Forecast kept =
                byRun.merge(
                        run,
                        forecast,
                        (held, offered) ->
                                offered.observedStep() >= held.observedStep() ? offered : held);
        return kept == forecast;
    }

    /** The latest forecast of the trial's current run (each attempt is a run of its own). */
    @Override
    public Optional<Forecast> forecast(Trial trial) {
        if (trial.getRun().isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(byRun.get(trial.getRun()));
    }

    /** How many runs have a forecast. */
    public int runs() {
        return byRun.size();
    }
}
