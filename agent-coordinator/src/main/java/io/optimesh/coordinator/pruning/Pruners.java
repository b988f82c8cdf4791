package io.optimesh.coordinator.pruning;

import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.v1.StudySpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which pruners exist, and the pruner a study's spec asks for, set up from its base run: rungs and
 * brackets start at the base run's evaluation interval (its first report) and Hyperband's largest
 * resource is its step count; reduction factor 3; median stopping after 5 succeeded trials, no
 * warm-up, every report.
 */
public final class Pruners {

    private Pruners() {}

    /** The pruners this coordinator runs; law-based stopping only where forecasts are wired. */
    public static List<io.optimesh.v1.Pruner> available(boolean lawForecasts) {
        List<io.optimesh.v1.Pruner> out =
                new ArrayList<>(
                        List.of(
                                io.optimesh.v1.Pruner.PRUNER_NONE,
                                io.optimesh.v1.Pruner.PRUNER_MEDIAN,
                                io.optimesh.v1.Pruner.PRUNER_ASHA,
                                io.optimesh.v1.Pruner.PRUNER_HYPERBAND));
        if (lawForecasts) {
            out.add(io.optimesh.v1.Pruner.PRUNER_LAW);
        }
        return out;
    }

    /**
     * Why the spec's pruner cannot run.
     *
     * @param path the pruner's field path, e.g. {@code spec.pruner}
     * @param lawForecasts whether law-svc's forecasts reach this coordinator
     */
    public static List<FieldViolation> validate(StudySpec spec, String path, boolean lawForecasts) {
        io.optimesh.v1.Pruner pruner = spec.getPruner();
        List<io.optimesh.v1.Pruner> available = available(lawForecasts);
        if (pruner == io.optimesh.v1.Pruner.UNRECOGNIZED) {
            return List.of(
                    new FieldViolation(
                            path,
                            "unknown pruner value "
                                    + spec.getPrunerValue()
                                    + "; use one of "
                                    + available));
        }
        if (pruner == io.optimesh.v1.Pruner.PRUNER_UNSPECIFIED
                || pruner == io.optimesh.v1.Pruner.PRUNER_NONE) {
            return List.of();
        }
        if (!available.contains(pruner)) {
            return List.of(
                    new FieldViolation(
                            path,
                            pruner
                                    + " is not available: law-svc forecasts do not reach this"
                                    + " coordinator; use one of "
                                    + available));
        }
        if (spec.hasBaseRun() && spec.getBaseRun().getEvalInterval() <= 0) {
            return List.of(
                    new FieldViolation(
                            path,
                            pruner
                                    + " stops trials on their intermediate validation losses:"
                                    + " set spec.base_run.eval_interval above 0"));
        }
        return List.of();
    }

    /** The pruner of a validated spec; empty for none. */
    public static Optional<Pruner> create(StudySpec spec, Optional<LossForecast> forecasts) {
        long minResource = spec.getBaseRun().getEvalInterval();
        return switch (spec.getPruner()) {
            case PRUNER_NONE, PRUNER_UNSPECIFIED -> Optional.empty();
            case PRUNER_MEDIAN ->
                    Optional.of(new MedianPruner(MedianPruner.DEFAULT_STARTUP_TRIALS, 0, 1));
            case PRUNER_ASHA ->
                    Optional.of(
                            new AshaPruner(minResource, AshaPruner.DEFAULT_REDUCTION_FACTOR, 0));
            case PRUNER_HYPERBAND ->
                    Optional.of(
                            new HyperbandPruner(
                                    minResource,
                                    Math.max(minResource, spec.getBaseRun().getSteps()),
                                    AshaPruner.DEFAULT_REDUCTION_FACTOR,
                                    spec.getSeed()));
            case PRUNER_LAW ->
                    Optional.of(
                            new LawPruner(
                                    forecasts.orElseThrow(
                                            () ->
                                                    new IllegalArgumentException(
                                                            "PRUNER_LAW needs law forecasts"))));
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown pruner");
        };
    }
}
