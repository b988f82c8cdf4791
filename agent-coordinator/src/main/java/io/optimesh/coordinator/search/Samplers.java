package io.optimesh.coordinator.search;

import io.optimesh.v1.StudySpec;

import java.util.List;

/** Which samplers exist, and the sampler a study's spec asks for. */
public final class Samplers {

    /**
     * The samplers this coordinator can run. Law-informed sampling waits for law-svc's ranking,
     * agents for the negotiation.
     */
    public static final List<io.optimesh.v1.Sampler> AVAILABLE =
            List.of(
                    io.optimesh.v1.Sampler.SAMPLER_RANDOM,
                    io.optimesh.v1.Sampler.SAMPLER_GRID,
                    io.optimesh.v1.Sampler.SAMPLER_SOBOL,
                    io.optimesh.v1.Sampler.SAMPLER_TPE,
                    io.optimesh.v1.Sampler.SAMPLER_CMA_ES,
                    io.optimesh.v1.Sampler.SAMPLER_GP_BO);

    private Samplers() {}

    /**
     * Why the spec's sampler cannot run.
     *
     * @param samplerPath the sampler's field path, e.g. {@code spec.sampler}
     * @param spaceValid whether the search space passed {@link SearchSpaceValidator}; the size of a
     *     grid is only checked over a valid space
     */
    public static List<FieldViolation> validate(
            StudySpec spec, String samplerPath, int gridPointsPerAxis, boolean spaceValid) {
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
        return switch (spec.getSampler()) {
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
