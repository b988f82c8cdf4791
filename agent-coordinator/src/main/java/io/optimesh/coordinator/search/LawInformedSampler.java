package io.optimesh.coordinator.search;

import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.IntermediateValue;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Law-informed sampling: TPE proposes every parameter, then law-svc picks the schedule. Once enough
 * trials have ended, each proposal's schedule parameters ({@link #SCHEDULE_PARAMETERS}) are varied into
 * {@link #CANDIDATES} candidates (the proposal itself first), law-svc ranks their schedules with an
 * Opt-Laws model fitted to the ended trials' curves, and the candidate with the best predicted final
 * loss among those whose divergence risk stays under {@link #RISK_LIMIT} is trained: the law spends
 * its knowledge before any compute is. Until then, or when law-svc cannot rank, TPE's proposal stands.
 *
 * <p>The candidates are drawn from (seed, index), and law-svc's fit is deterministic, so a coordinator
 * that restarts proposes what it would have proposed, as long as law-svc answers the same.
 */
public final class LawInformedSampler implements Sampler {

    private static final Logger LOG = Logger.getLogger(LawInformedSampler.class);

    /** The parameters that shape a trial's LR schedule, as {@link RunSpecMapping} applies them. */
    public static final Set<String> SCHEDULE_PARAMETERS =
            Set.of(
                    RunSpecMapping.LEARNING_RATE,
                    RunSpecMapping.WARMUP_FRACTION,
                    RunSpecMapping.SCHEDULE,
                    RunSpecMapping.DECAY_FRACTION);

    /** Schedules ranked per proposal. */
    static final int CANDIDATES = 32;

    /** Ended trials that did not diverge needed before the law ranks: more than Opt-Laws' 8 coefficients. */
    static final int MIN_FINISHED = 10;

    /** Points law-svc needs in a curve. */
    static final int MIN_POINTS = 3;

    /** Largest predicted divergence probability a chosen schedule may carry. */
    static final double RISK_LIMIT = 0.5;

    private final StudySpec spec;
    private final List<SearchParameter> parameters;
    private final Sampler base;
    private final ScheduleRanker ranker;

    public LawInformedSampler(StudySpec spec, ScheduleRanker ranker) {
        this(spec, new TpeSampler(spec.getSearchSpace(), spec.getSeed()), ranker);
    }

    LawInformedSampler(StudySpec spec, Sampler base, ScheduleRanker ranker) {
        this.spec = spec;
        this.parameters = SearchSpaces.ordered(spec.getSearchSpace());
        this.base = base;
        this.ranker = ranker;
    }

    /** Whether a space has anything for the law to choose. */
    public static boolean searchesSchedule(List<SearchParameter> space) {
        return space.stream().anyMatch(p -> SCHEDULE_PARAMETERS.contains(p.getName()));
    }

    @Override
    public Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history) {
        Optional<Map<String, ParameterValue>> proposal = base.propose(index, history);
        if (proposal.isEmpty()) {
            return proposal;
        }
        List<LabeledCurve> curves = curves(history);
        long finished = curves.stream().filter(c -> !c.getDiverged()).count();
        if (finished < MIN_FINISHED) {
            return proposal;
        }
        List<Map<String, ParameterValue>> candidates = new ArrayList<>();
        candidates.add(proposal.get());
        for (int k = 1; k < CANDIDATES; k++) {
            candidates.add(vary(proposal.get(), index, k));
        }
        List<Schedule> schedules = candidates.stream().map(c -> schedule(c, "candidate")).toList();
        List<RankedSchedule> ranking;
        try {
            ranking = ranker.rank(curves, schedules);
        } catch (ScheduleRanker.ScheduleRankingException e) {
            LOG.warnf("Trial %d keeps TPE's proposal: %s", index, e.getMessage());
            return proposal;
        }
        return Optional.of(candidates.get(choose(ranking)));
    }

    /** The best predicted loss whose risk is acceptable; with none, the least risky. */
    static int choose(List<RankedSchedule> ranking) {
        RankedSchedule best = null;
        RankedSchedule safest = null;
        for (RankedSchedule r : ranking) {
            if (r.getDivergenceRisk() < RISK_LIMIT
                    && (best == null || r.getFinalLoss().getLoss() < best.getFinalLoss().getLoss())) {
                best = r;
            }
            if (safest == null || r.getDivergenceRisk() < safest.getDivergenceRisk()) {
                safest = r;
            }
        }
        if (safest == null) {
            throw new IllegalArgumentException("an empty ranking");
        }
        return (best != null ? best : safest).getIndex();
    }

    /** The proposal with its schedule parameters drawn afresh from (seed, index, k). */
    private Map<String, ParameterValue> vary(Map<String, ParameterValue> proposal, int index, int k) {
        SplittableRandom random =
                new SplittableRandom(RandomSampler.trialSeed(spec.getSeed() ^ 0x1a3c5e7f9b2d4f6L, index * CANDIDATES + k));
        Map<String, ParameterValue> values = new LinkedHashMap<>();
        for (SearchParameter p : parameters) {
            if (!SearchSpaces.active(p, values)) {
                continue;
            }
            ParameterValue kept = proposal.get(p.getName());
            values.put(
                    p.getName(),
                    SCHEDULE_PARAMETERS.contains(p.getName()) || kept == null
                            ? RandomSampler.draw(p, random)
                            : kept);
        }
        return Collections.unmodifiableMap(values);
    }

    private Schedule schedule(Map<String, ParameterValue> values, String trialName) {
        RunSpec run =
                RunSpecMapping.apply(spec.getBaseRun(), spec.getObjective(), values, trialName);
        return run.getSchedule();
    }

    /**
     * The curves of the trials that ended on their own: succeeded ones with their reports and final
     * loss, diverged ones (marked, for the risk model) with their finite reports, each once it has
     * the {@link #MIN_POINTS} points law-svc needs. Pruned trials are left out: their last report is
     * not a final loss.
     */
    List<LabeledCurve> curves(List<Trial> history) {
        List<LabeledCurve> curves = new ArrayList<>();
        for (Trial t : history) {
            boolean diverged = t.getState() == TrialState.TRIAL_STATE_DIVERGED;
            boolean succeeded =
                    t.getState() == TrialState.TRIAL_STATE_SUCCEEDED
                            && t.hasObjectiveValue()
                            && t.getObjectiveValue() > 0
                            && Double.isFinite(t.getObjectiveValue());
            if (!diverged && !succeeded) {
                continue;
            }
            RunSpec run =
                    RunSpecMapping.apply(
                            spec.getBaseRun(), spec.getObjective(), t.getParametersMap(), t.getName());
            Schedule schedule = run.getSchedule();
            LabeledCurve.Builder curve =
                    LabeledCurve.newBuilder()
                            .setName(t.getName())
                            .setSchedule(schedule)
                            .setDiverged(diverged);
            long last = -1;
            for (IntermediateValue v : t.getIntermediateValuesList()) {
                if (v.getStep() > last && v.getValue() > 0 && Double.isFinite(v.getValue())) {
                    curve.addPoints(point(schedule, v.getStep(), v.getValue()));
                    last = v.getStep();
                }
            }
            long finalStep = run.getSteps() - 1;
            if (succeeded && last < finalStep) {
                curve.addPoints(point(schedule, finalStep, t.getObjectiveValue()));
            }
            if (curve.getPointsCount() >= MIN_POINTS) {
                curves.add(curve.build());
            }
        }
        return curves;
    }

    private static CurvePoint point(Schedule schedule, long step, double loss) {
        return CurvePoint.newBuilder()
                .setStep(step)
                .setLoss(loss)
                .setLearningRate(ScheduleEvaluator.at(schedule, Math.min(step, schedule.getTotalSteps() - 1)))
                .build();
    }
}
