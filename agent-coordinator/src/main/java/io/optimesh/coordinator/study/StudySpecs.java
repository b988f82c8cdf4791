package io.optimesh.coordinator.study;

import io.optimesh.coordinator.pruning.Pruners;
import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.coordinator.search.RunSpecMapping;
import io.optimesh.coordinator.search.Samplers;
import io.optimesh.coordinator.search.SearchSpaceValidator;
import io.optimesh.v1.Pruner;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Sampler;
import io.optimesh.v1.StudyBudget;
import io.optimesh.v1.StudySpec;

import java.util.ArrayList;
import java.util.List;

/** Whether a study can run as specified, and the spec with its defaults filled in. */
public final class StudySpecs {

    static final int MAX_TRIALS = 100_000;
    static final int MAX_PARALLELISM = 256;
    static final int MAX_RETRIES = 10;

    private StudySpecs() {}

    /**
     * Every reason the spec cannot run, each naming its field from the request's root (the spec is
     * the request's {@code spec} field). Empty when it can.
     */
    public static List<FieldViolation> validate(StudySpec spec, int gridPointsPerAxis) {
        return validate(spec, gridPointsPerAxis, false, false);
    }

    /**
     * As {@link #validate(StudySpec, int)}, on a coordinator that does or does not receive
     * law-svc's forecasts (which law-based pruning needs).
     */
    public static List<FieldViolation> validate(
            StudySpec spec, int gridPointsPerAxis, boolean lawForecasts) {
        return validate(spec, gridPointsPerAxis, lawForecasts, false);
    }

    /**
     * As {@link #validate(StudySpec, int, boolean)}, on a coordinator that can or cannot have
     * law-svc rank schedules (which law-informed sampling needs).
     */
    public static List<FieldViolation> validate(
            StudySpec spec, int gridPointsPerAxis, boolean lawForecasts, boolean lawRanking) {
        List<FieldViolation> v = new ArrayList<>();
        if (spec.getDisplayName().length() > 256) {
            v.add(new FieldViolation("spec.display_name", "at most 256 characters"));
        }
        boolean spaceValid = false;
        if (!spec.hasSearchSpace()) {
            v.add(
                    new FieldViolation(
                            "spec.search_space", "required: the parameters to search over"));
        } else {
            List<FieldViolation> space =
                    SearchSpaceValidator.validate(spec.getSearchSpace(), "spec.search_space");
            v.addAll(space);
            spaceValid = space.isEmpty();
        }
        checkBudget(spec, v);
        if (spec.getParallelism() < 0 || spec.getParallelism() > MAX_PARALLELISM) {
            v.add(
                    new FieldViolation(
                            "spec.parallelism", "must lie in [0, " + MAX_PARALLELISM + "]"));
        }
        if (spec.getMaxRetries() < 0 || spec.getMaxRetries() > MAX_RETRIES) {
            v.add(new FieldViolation("spec.max_retries", "must lie in [0, " + MAX_RETRIES + "]"));
        }
        if (spec.getObjective().getTokenBudget() < 0) {
            v.add(new FieldViolation("spec.objective.token_budget", "must not be negative"));
        }
        v.addAll(Samplers.validate(spec, "spec.sampler", gridPointsPerAxis, spaceValid, lawRanking));
        v.addAll(Pruners.validate(spec, "spec.pruner", lawForecasts));
        if (checkBaseRun(spec, v) && spec.hasSearchSpace()) {
            v.addAll(
                    RunSpecMapping.validate(
                            spec.getSearchSpace(),
                            "spec.search_space",
                            spec.getBaseRun(),
                            spec.getObjective(),
                            "spec.objective"));
        }
        return v;
    }

    private static void checkBudget(StudySpec spec, List<FieldViolation> v) {
        if (!spec.hasBudget()) {
            v.add(
                    new FieldViolation(
                            "spec.budget",
                            "required: set max_trials, max_tokens or max_wall_seconds"));
            return;
        }
        StudyBudget b = spec.getBudget();
        int before = v.size();
        if (b.getMaxTrials() < 0 || b.getMaxTrials() > MAX_TRIALS) {
            v.add(
                    new FieldViolation(
                            "spec.budget.max_trials", "must lie in [0, " + MAX_TRIALS + "]"));
        }
        if (b.getMaxTokens() < 0) {
            v.add(new FieldViolation("spec.budget.max_tokens", "must not be negative"));
        }
        if (b.getMaxWallSeconds() < 0) {
            v.add(new FieldViolation("spec.budget.max_wall_seconds", "must not be negative"));
        }
        if (v.size() == before
                && b.getMaxTrials() == 0
                && b.getMaxTokens() == 0
                && b.getMaxWallSeconds() == 0) {
            v.add(
                    new FieldViolation(
                            "spec.budget",
                            "a budget of zero runs nothing: set at least one of max_trials,"
                                    + " max_tokens, max_wall_seconds above 0"));
        }
    }

    /** Whether the base run has what the mapping builds on; adds violations if not. */
    private static boolean checkBaseRun(StudySpec spec, List<FieldViolation> v) {
        if (!spec.hasBaseRun()) {
            v.add(new FieldViolation("spec.base_run", "required: the run every trial starts from"));
            return false;
        }
        RunSpec base = spec.getBaseRun();
        int before = v.size();
        if (!base.hasOptimizer()) {
            v.add(new FieldViolation("spec.base_run.optimizer", "required"));
        }
        if (!base.hasSchedule()) {
            v.add(new FieldViolation("spec.base_run.schedule", "required"));
        } else if (base.getSchedule().getFamilyCase()
                == io.optimesh.v1.Schedule.FamilyCase.FAMILY_NOT_SET) {
            v.add(new FieldViolation("spec.base_run.schedule", "set a schedule family"));
        }
        if (base.getSteps() <= 0) {
            v.add(new FieldViolation("spec.base_run.steps", "must be > 0"));
        }
        return v.size() == before;
    }

    /**
     * The spec a study records, with every "0 uses the default" resolved so that a replay on a
     * coordinator with other defaults runs the study the same way.
     */
    public static StudySpec normalize(StudySpec spec, int defaultMaxRetries) {
        StudySpec.Builder b = spec.toBuilder();
        b.setParallelism(Math.max(1, spec.getParallelism()));
        if (spec.getMaxRetries() == 0) {
            b.setMaxRetries(defaultMaxRetries);
        }
        if (spec.getSampler() == Sampler.SAMPLER_UNSPECIFIED) {
            b.setSampler(Sampler.SAMPLER_RANDOM);
        }
        if (spec.getPruner() == Pruner.PRUNER_UNSPECIFIED) {
            b.setPruner(Pruner.PRUNER_NONE);
        }
        return b.build();
    }
}
