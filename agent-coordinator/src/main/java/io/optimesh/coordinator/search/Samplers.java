package io.optimesh.coordinator.search;

import io.optimesh.v1.StudySpec;

import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Which samplers exist, and the sampler a study's spec asks for. */
public final class Samplers {

    /** The samplers this coordinator can run; agents wait for the negotiation. */
    public static final List<io.optimesh.v1.Sampler> AVAILABLE =
            List.of(
                    io.optimesh.v1.Sampler.SAMPLER_RANDOM,
                    io.optimesh.v1.Sampler.SAMPLER_GRID,
                    io.optimesh.v1.Sampler.SAMPLER_SOBOL,
                    io.optimesh.v1.Sampler.SAMPLER_TPE,
                    io.optimesh.v1.Sampler.SAMPLER_CMA_ES,
                    io.optimesh.v1.Sampler.SAMPLER_GP_BO,
                    io.optimesh.v1.Sampler.SAMPLER_LAW_INFORMED);

    private Samplers() {}

    /**
     * Why the spec's sampler cannot run.
     *
     * @param samplerPath the sampler's field path, e.g. {@code spec.sampler}
     * @param spaceValid whether the search space passed {@link SearchSpaceValidator}; the size of a
     *     grid is only checked over a valid space
     */
    public static List<FieldViolation> validate(
            StudySpec spec,
            String samplerPath,
            int gridPointsPerAxis,
            boolean spaceValid,
            boolean lawRanking) {
        io.optimesh.v1.Sampler sampler = spec.getSampler();
        if (sampler == io.optimesh.v1.Sampler.UNRECOGNIZED) {
            return List.of(
                    new FieldViolation(
                            samplerPath,
                            "unknown sampler value "
                                    + spec.getSamplerValue()
                                    + "; use one of "
                                    + AVAILABLE));
        }
        if (sampler != io.optimesh.v1.Sampler.SAMPLER_UNSPECIFIED && !AVAILABLE.contains(sampler)) {
            return List.of(
                    new FieldViolation(
                            samplerPath,
                            sampler + " is not available yet; use one of " + AVAILABLE));
        }
        if (sampler == io.optimesh.v1.Sampler.SAMPLER_LAW_INFORMED) {
            if (!lawRanking) {
                return List.of(
                        new FieldViolation(
                                samplerPath,
                                "SAMPLER_LAW_INFORMED needs law-svc, which this coordinator has no"
                                        + " client for"));
            }
            if (spec.getBaseRun().getEvalInterval() <= 0) {
                return List.of(
                        new FieldViolation(
                                samplerPath,
                                "SAMPLER_LAW_INFORMED fits law-svc to the trials' evaluations: set"
                                        + " spec.base_run.eval_interval > 0"));
            }
            if (spaceValid
                    && !LawInformedSampler.searchesSchedule(
                            SearchSpaces.ordered(spec.getSearchSpace()))) {
                return List.of(
                        new FieldViolation(
                                samplerPath,
                                "SAMPLER_LAW_INFORMED chooses schedules: search at least one of "
                                        + new TreeSet<>(
                                                LawInformedSampler.SCHEDULE_PARAMETERS)));
            }
        }
        if (spaceValid
                && sampler == io.optimesh.v1.Sampler.SAMPLER_GRID
                && GridSampler.size(spec.getSearchSpace(), gridPointsPerAxis) < 0) {
            return List.of(
                    new FieldViolation(
                            samplerPath,
                            "the grid over this space has more than "
                                    + GridSampler.MAX_POINTS
                                    + " points: narrow the space or use SAMPLER_RANDOM"));
        }
        return List.of();
    }

    /** The sampler of a validated spec; an unspecified sampler is random. */
    public static Sampler create(StudySpec spec, int gridPointsPerAxis) {
        return create(spec, gridPointsPerAxis, Optional.empty());
    }

    /**
     * As {@link #create(StudySpec, int)}, with law-svc's schedule ranking for law-informed
     * sampling.
     */
    public static Sampler create(
            StudySpec spec, int gridPointsPerAxis, Optional<ScheduleRanker> ranker) {
        return switch (spec.getSampler()) {
            case SAMPLER_LAW_INFORMED ->
                    new LawInformedSampler(
                            spec,
                            ranker.orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "SAMPLER_LAW_INFORMED needs law-svc")));
            case SAMPLER_GRID ->
                    new GridSampler(spec.getSearchSpace(), gridPointsPerAxis, spec.getSeed());
            case SAMPLER_SOBOL -> new SobolSampler(spec.getSearchSpace(), spec.getSeed());
            case SAMPLER_TPE -> new TpeSampler(spec.getSearchSpace(), spec.getSeed());
            case SAMPLER_CMA_ES -> new CmaEsSampler(spec.getSearchSpace(), spec.getSeed());
            case SAMPLER_GP_BO -> new GpBoSampler(spec.getSearchSpace(), spec.getSeed());
            case SAMPLER_RANDOM, SAMPLER_UNSPECIFIED ->
                    new RandomSampler(spec.getSearchSpace(), spec.getSeed());
            default -> throw new IllegalArgumentException(spec.getSampler() + " is not available");
        };
    }
}
