package io.optimesh.coordinator.search;

import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.DecayShape;
import io.optimesh.v1.InverseSqrtFamily;
import io.optimesh.v1.LinearFamily;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.StudyObjective;
import io.optimesh.v1.WarmupStableDecayFamily;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The one place that knows what a searched parameter's name means for a trial's {@link RunSpec}:
 * which names exist, what values they may take, whether they fit the study's base run, and how a
 * trial's values turn the base run into the trial's run.
 *
 * <ul>
 *   <li>{@code learning_rate}: the schedule's peak_lr; min_lr and the warmup's initial_lr scale
 *       with it so the schedule keeps its shape.
 *   <li>{@code weight_decay}, {@code gradient_clip_norm}: the optimizer's fields of that name.
 *   <li>{@code optimizer}: optimizer.algorithm.
 *   <li>{@code batch_size}: sequences per micro-batch.
 *   <li>{@code warmup_fraction}: warmup steps as a share of the schedule's total steps.
 *   <li>{@code schedule}: the schedule family (constant, cosine, linear, inverse_sqrt, wsd).
 *   <li>{@code decay_fraction}: the share of a WSD schedule spent decaying.
 *   <li>optimizer hyper-parameters ({@code beta1}, {@code beta2}, {@code eps}, {@code momentum},
 *       {@code dampening}): optimizer.hyperparameters.
 * </ul>
 *
 * A study with a token budget trains every trial for that many tokens: the steps follow from the
 * trial's batch size, and the schedule is stretched to the new length.
 */
public final class RunSpecMapping {

    public static final String LEARNING_RATE = "learning_rate";
    public static final String WEIGHT_DECAY = "weight_decay";
    public static final String GRADIENT_CLIP_NORM = "gradient_clip_norm";
    public static final String OPTIMIZER = "optimizer";
    public static final String BATCH_SIZE = "batch_size";
    public static final String WARMUP_FRACTION = "warmup_fraction";
    public static final String SCHEDULE = "schedule";
    public static final String DECAY_FRACTION = "decay_fraction";

    /**
     * Optimizer hyper-parameters a study may search. Issue 8 replaces this list with the catalogue
     * optimizer-svc's ListAlgorithms publishes, per algorithm.
     */
    public static final Set<String> OPTIMIZER_HYPERPARAMETERS =
            Set.of("beta1", "beta2", "eps", "momentum", "dampening");

    /** Schedule families the {@code schedule} parameter can choose. */
    public static final List<String> SCHEDULE_FAMILIES =
            List.of("constant", "cosine", "linear", "inverse_sqrt", "wsd");

    /** Decay share of a WSD schedule chosen by the {@code schedule} parameter (Hagele et al.). */
    static final double DEFAULT_WSD_DECAY_FRACTION = 0.2;

    private static final Pattern ALGORITHM = Pattern.compile("^[a-z][a-z0-9-]{0,63}$");

    private enum Kind {
        FLOAT("a float_domain"),
        INT("an int_domain"),
        NUMBER("a float_domain or an int_domain"),
        CATEGORY("a categorical_domain");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    private record Range(double lo, boolean loOpen, double hi, boolean hiOpen) {
        boolean contains(double x) {
            return (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
        }

        @Override
        public String toString() {
            return (loOpen ? "(" : "[") + num(lo) + ", " + num(hi) + (hiOpen ? ")" : "]");
        }

        private static String num(double x) {
            return Double.isInfinite(x)
                    ? "inf"
                    : (x == Math.rint(x) ? Long.toString((long) x) : "" + x);
        }
    }

    private record Target(Kind kind, Range range) {}

    private static final double INF = Double.POSITIVE_INFINITY;

    private static final Map<String, Target> TARGETS =
            Map.ofEntries(
                    Map.entry(
                            LEARNING_RATE, new Target(Kind.FLOAT, new Range(0, true, 100, false))),
                    Map.entry(WEIGHT_DECAY, new Target(Kind.FLOAT, new Range(0, false, 10, false))),
                    Map.entry(
                            GRADIENT_CLIP_NORM,
                            new Target(Kind.FLOAT, new Range(0, false, INF, true))),
                    Map.entry(OPTIMIZER, new Target(Kind.CATEGORY, null)),
                    Map.entry(BATCH_SIZE, new Target(Kind.INT, new Range(1, false, 4096, false))),
                    Map.entry(
                            WARMUP_FRACTION, new Target(Kind.FLOAT, new Range(0, false, 1, true))),
                    Map.entry(SCHEDULE, new Target(Kind.CATEGORY, null)),
                    Map.entry(DECAY_FRACTION, new Target(Kind.FLOAT, new Range(0, true, 1, false))),
                    Map.entry("beta1", new Target(Kind.NUMBER, new Range(0, false, 1, true))),
                    Map.entry("beta2", new Target(Kind.NUMBER, new Range(0, false, 1, true))),
                    Map.entry("eps", new Target(Kind.NUMBER, new Range(0, true, 1, false))),
                    Map.entry("momentum", new Target(Kind.NUMBER, new Range(0, false, 1, false))),
                    Map.entry("dampening", new Target(Kind.NUMBER, new Range(0, false, 1, false))));

    private RunSpecMapping() {}

    /** Every name a study may search, sorted. */
    public static Set<String> names() {
        return new TreeSet<>(TARGETS.keySet());
    }

    /**
     * Why the space cannot be mapped onto the base run: unknown names, values the run cannot take,
     * parameters the base run has nothing for. Assumes the base run has an optimizer and a
     * schedule.
     */
    public static List<FieldViolation> validate(
            SearchSpace space,
            String spacePath,
            RunSpec base,
            StudyObjective objective,
            String objectivePath) {
        List<FieldViolation> violations = new ArrayList<>();
        SearchParameter scheduleParameter = find(space, SCHEDULE);
        for (int i = 0; i < space.getParametersCount(); i++) {
            SearchParameter p = space.getParameters(i);
            String at = SearchSpaceValidator.parameterPath(spacePath, i);
            Target target = TARGETS.get(p.getName());
            if (target == null) {
                violations.add(
                        new FieldViolation(
                                at + ".name",
                                "unknown parameter \""
                                        + p.getName()
                                        + "\": searchable names are "
                                        + names()));
                continue;
            }
            if (checkValues(p, target, at, violations)) {
                checkFitsBase(p, scheduleParameter, base, at, violations);
            }
        }
        if (objective.getTokenBudget() > 0) {
            if (base.getSequenceLength() <= 0) {
                violations.add(
                        new FieldViolation(
                                objectivePath + ".token_budget",
                                "a token budget needs base_run.sequence_length > 0 to turn tokens"
                                        + " into steps"));
            }
            if (scheduleParameter == null && !stretchable(base.getSchedule().getFamilyCase())) {
                violations.add(
                        new FieldViolation(
                                objectivePath + ".token_budget",
                                "a token budget changes the number of steps, which a "
                                        + familyName(base.getSchedule().getFamilyCase())
                                        + " schedule fixes"));
            }
        }
        return violations;
    }

    /** Whether the domain has the kind and bounds the name needs; adds violations if not. */
    private static boolean checkValues(
            SearchParameter p, Target target, String at, List<FieldViolation> violations) {
        boolean kindFits =
                switch (target.kind()) {
                    case FLOAT -> p.hasFloatDomain();
                    case INT -> p.hasIntDomain();
                    case NUMBER -> p.hasFloatDomain() || p.hasIntDomain();
                    case CATEGORY -> p.hasCategoricalDomain();
                };
        if (!kindFits) {
            if (p.getDomainCase() != SearchParameter.DomainCase.DOMAIN_NOT_SET) {
                violations.add(
                        new FieldViolation(at, p.getName() + " takes " + target.kind().text));
            }
            return false;
        }
        int before = violations.size();
        if (p.hasFloatDomain()) {
            checkBound(
                    p, target, at + ".float_domain.min", p.getFloatDomain().getMin(), violations);
            checkBound(
                    p, target, at + ".float_domain.max", p.getFloatDomain().getMax(), violations);
        } else if (p.hasIntDomain()) {
            checkBound(p, target, at + ".int_domain.min", p.getIntDomain().getMin(), violations);
            checkBound(p, target, at + ".int_domain.max", p.getIntDomain().getMax(), violations);
        } else {
            List<String> values = p.getCategoricalDomain().getValuesList();
            for (int j = 0; j < values.size(); j++) {
                String v = values.get(j);
                String field = at + ".categorical_domain.values[" + j + "]";
                if (p.getName().equals(OPTIMIZER) && !ALGORITHM.matcher(v).matches()) {
                    violations.add(
                            new FieldViolation(
                                    field,
                                    "\""
                                            + v
                                            + "\" is not an algorithm name ("
                                            + ALGORITHM.pattern()
                                            + ")"));
                } else if (p.getName().equals(SCHEDULE) && !SCHEDULE_FAMILIES.contains(v)) {
                    violations.add(
                            new FieldViolation(
                                    field,
                                    "\""
                                            + v
                                            + "\" is not a schedule family the search can set: "
                                            + SCHEDULE_FAMILIES));
                }
            }
        }
        return violations.size() == before;
    }

    private static void checkBound(
            SearchParameter p,
            Target target,
            String field,
            double bound,
            List<FieldViolation> violations) {
        if (Double.isFinite(bound) && !target.range().contains(bound)) {
            violations.add(
                    new FieldViolation(
                            field,
                            p.getName() + " must lie in " + target.range() + "; got " + bound));
        }
    }

    private static void checkFitsBase(
            SearchParameter p,
            SearchParameter scheduleParameter,
            RunSpec base,
            String at,
            List<FieldViolation> violations) {
        Schedule.FamilyCase family = base.getSchedule().getFamilyCase();
        switch (p.getName()) {
            case LEARNING_RATE -> {
                if (scheduleParameter == null && !usesPeak(family)) {
                    violations.add(
                            new FieldViolation(
                                    at + ".name",
                                    "learning_rate sets the schedule's peak_lr, which a "
                                            + familyName(family)
                                            + " base schedule ignores: search `schedule` too, or"
                                            + " start from a family with a peak"));
                }
            }
            case WARMUP_FRACTION -> {
                if (scheduleParameter == null && family == Schedule.FamilyCase.EXPLICIT) {
                    violations.add(
                            new FieldViolation(
                                    at + ".name",
                                    "an explicit base schedule holds its own warmup: search"
                                            + " `schedule` too"));
                }
            }
            case DECAY_FRACTION -> {
                if (!onlyWsd(p, scheduleParameter, family)) {
                    violations.add(
                            new FieldViolation(
                                    p.hasCondition() ? at + ".condition" : at + ".name",
                                    "decay_fraction applies to wsd schedules only: start from a wsd"
                                            + " base schedule, or make it conditional on schedule ="
                                            + " wsd"));
                }
            }
            default -> {
                // The remaining names fit any base run.
            }
        }
    }

    /** Whether every schedule a trial with this parameter active can have is WSD. */
    private static boolean onlyWsd(
            SearchParameter p, SearchParameter scheduleParameter, Schedule.FamilyCase baseFamily) {
        if (scheduleParameter == null) {
            return baseFamily == Schedule.FamilyCase.WSD;
        }
        List<String> families =
                p.hasCondition() && p.getCondition().getParent().equals(SCHEDULE)
                        ? p.getCondition().getValuesList()
                        : scheduleParameter.getCategoricalDomain().getValuesList();
        return families.stream().allMatch("wsd"::equals);
    }

    /**
     * The trial's run: the base run with the trial's parameter values (validated by {@link
     * #validate}) applied, stretched to the study's token budget, labelled with the trial's name.
     */
    public static RunSpec apply(
            RunSpec base,
            StudyObjective objective,
            Map<String, ParameterValue> values,
            String trialName) {
        RunSpec.Builder run = base.toBuilder().setTrial(trialName);
        OptimizerSpec.Builder optimizer = run.getOptimizerBuilder();
        for (Map.Entry<String, ParameterValue> e : values.entrySet()) {
            String name = e.getKey();
            ParameterValue v = e.getValue();
            switch (name) {
                case OPTIMIZER -> optimizer.setAlgorithm(v.getCategoricalValue());
                case WEIGHT_DECAY -> optimizer.setWeightDecay(ParameterValues.asDouble(v));
                case GRADIENT_CLIP_NORM ->
                        optimizer.setGradientClipNorm(ParameterValues.asDouble(v));
                case BATCH_SIZE -> run.setBatchSize(Math.toIntExact(v.getIntValue()));
                case LEARNING_RATE, WARMUP_FRACTION, SCHEDULE, DECAY_FRACTION -> {
                    // Schedule parameters are applied below, in an order that does not depend on
                    // the map's.
                }
                default -> {
                    if (!OPTIMIZER_HYPERPARAMETERS.contains(name)) {
                        throw new IllegalArgumentException("unknown parameter " + name);
                    }
                    optimizer.putHyperparameters(name, ParameterValues.asDouble(v));
                }
            }
        }
        if (objective.getTokenBudget() > 0) {
            stretchToTokens(run, base.getSteps(), objective.getTokenBudget());
        }
        Schedule.Builder schedule = run.getScheduleBuilder();
        if (values.containsKey(SCHEDULE)) {
            setFamily(schedule, values.get(SCHEDULE).getCategoricalValue(), base.getSchedule());
        }
        if (values.containsKey(DECAY_FRACTION)) {
            schedule.getWsdBuilder()
                    .setDecayFraction(ParameterValues.asDouble(values.get(DECAY_FRACTION)))
                    .setDecayStartStep(0);
        }
        if (values.containsKey(WARMUP_FRACTION)) {
            double f = ParameterValues.asDouble(values.get(WARMUP_FRACTION));
            long total = schedule.getTotalSteps();
            schedule.getWarmupBuilder().setSteps(Math.min(total - 1, Math.round(f * total)));
        }
        if (values.containsKey(LEARNING_RATE)) {
            setPeak(
                    schedule,
                    ParameterValues.asDouble(values.get(LEARNING_RATE)),
                    base.getSchedule());
        }
        return run.build();
    }

    private static void setPeak(Schedule.Builder schedule, double peak, Schedule base) {
        double basePeak = base.getPeakLr();
        if (basePeak > 0) {
            double ratio = peak / basePeak;
            schedule.setMinLr(base.getMinLr() * ratio);
            if (schedule.hasWarmup()) {
                schedule.getWarmupBuilder().setInitialLr(base.getWarmup().getInitialLr() * ratio);
            }
        } else {
            schedule.setMinLr(Math.min(base.getMinLr(), peak));
            if (schedule.hasWarmup()) {
                schedule.getWarmupBuilder()
                        .setInitialLr(Math.min(schedule.getWarmup().getInitialLr(), peak));
            }
        }
        schedule.setPeakLr(peak);
    }

    private static void setFamily(Schedule.Builder schedule, String family, Schedule base) {
        switch (family) {
            case "constant" -> schedule.setConstant(ConstantFamily.getDefaultInstance());
            case "cosine" -> schedule.setCosine(CosineFamily.getDefaultInstance());
            case "linear" -> schedule.setLinear(LinearFamily.getDefaultInstance());
            case "inverse_sqrt" ->
                    schedule.setInverseSqrt(
                            base.hasInverseSqrt()
                                    ? base.getInverseSqrt()
                                    : InverseSqrtFamily.getDefaultInstance());
            case "wsd" ->
                    schedule.setWsd(
                            base.hasWsd()
                                    ? base.getWsd()
                                    : WarmupStableDecayFamily.newBuilder()
                                            .setDecayFraction(DEFAULT_WSD_DECAY_FRACTION)
                                            .setDecayShape(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT)
                                            .build());
            default -> throw new IllegalArgumentException("unknown schedule family " + family);
        }
    }

    /** Steps that train {@code tokens} tokens; the schedule keeps its proportions. */
    private static void stretchToTokens(RunSpec.Builder run, long baseSteps, long tokens) {
        long tokensPerStep =
                (long) run.getBatchSize()
                        * run.getSequenceLength()
                        * Math.max(1, run.getGradientAccumulation());
        long steps = Math.max(1, (tokens + tokensPerStep - 1) / tokensPerStep);
        Schedule.Builder schedule = run.getScheduleBuilder();
        long baseTotal = schedule.getTotalSteps();
        double stretch = (double) steps / baseSteps;
        long total = Math.max(steps, Math.round(baseTotal * stretch));
        if (schedule.hasWarmup() && schedule.getWarmup().getSteps() > 0) {
            long warmup = Math.round(schedule.getWarmup().getSteps() * (double) total / baseTotal);
            schedule.getWarmupBuilder().setSteps(Math.min(total - 1, warmup));
        }
        if (schedule.hasWsd() && schedule.getWsd().getDecayStartStep() > 0) {
            long start =
                    Math.round(schedule.getWsd().getDecayStartStep() * (double) total / baseTotal);
            schedule.getWsdBuilder().setDecayStartStep(Math.min(total, start));
        }
        schedule.setTotalSteps(total);
        run.setSteps(steps);
    }

    private static boolean usesPeak(Schedule.FamilyCase family) {
        return family != Schedule.FamilyCase.PIECEWISE_LINEAR
                && family != Schedule.FamilyCase.PIECEWISE_CONSTANT
                && family != Schedule.FamilyCase.EXPLICIT;
    }

    private static boolean stretchable(Schedule.FamilyCase family) {
        return usesPeak(family);
    }

    private static String familyName(Schedule.FamilyCase family) {
        return family.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static SearchParameter find(SearchSpace space, String name) {
        for (SearchParameter p : space.getParametersList()) {
            if (p.getName().equals(name) && p.hasCategoricalDomain()) {
                return p;
            }
        }
        return null;
    }
}
