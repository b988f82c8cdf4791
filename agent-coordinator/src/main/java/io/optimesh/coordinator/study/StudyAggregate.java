package io.optimesh.coordinator.study;

import com.google.protobuf.Message;

import io.optimesh.v1.Study;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudyResumed;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialProgressReported;
import io.optimesh.v1.TrialStarted;
import io.optimesh.v1.TrialState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One study as its events make it. It changes only through {@link #apply}, so live operation and a
 * replay of the log run the same code and end in the same state. Every event may arrive twice (an
 * at-least-once log): applying a duplicate or an event older than the state leaves it unchanged.
 *
 * <p>Not thread-safe: {@link Studies} serialises access per study.
 */
public final class StudyAggregate {

    private final Study created;
    private final String id;
    private StudyState state;
    private String stateReason;
    private Instant updateTime;
    private final Map<String, Trial> trials = new LinkedHashMap<>();

    private StudyAggregate(Study created, Instant at) {
        this.created = created;
        this.id = StudyNames.studyId(created.getName());
        this.state = created.getState();
        this.stateReason = created.getStateReason();
        this.updateTime = at;
    }

    /** The study as its first event, {@link StudyCreated}, makes it. */
    public static StudyAggregate created(StudyCreated event, Instant at) {
        Study s = event.getStudy();
        Study.Builder b =
                Study.newBuilder()
                        .setName(s.getName())
                        .setSpec(s.getSpec())
                        .setState(s.getState())
                        .setStateReason(s.getStateReason())
                        .setRequestId(s.getRequestId());
        if (s.hasCreateTime()) {
            b.setCreateTime(s.getCreateTime());
        } else {
            b.setCreateTime(Times.toProto(at));
        }
        return new StudyAggregate(b.build(), at);
    }

    /**
     * Applies one event of this study's log.
     *
     * @param at when the event happened
     * @return the trial the event changed, if it changed one
     * @throws IllegalArgumentException for an event of another study or of no study at all
     */
    public Optional<Trial> apply(Message event, Instant at) {
        Optional<Trial> changed;
        boolean applied;
        if (event instanceof StudyCreated e) {
            requireSameStudy(e.getStudy().getName());
            return Optional.empty();
        } else if (event instanceof TrialCreated e) {
            changed = trialCreated(e.getTrial(), at);
            applied = changed.isPresent();
        } else if (event instanceof TrialStarted e) {
            changed = trialStarted(e);
            applied = changed.isPresent();
        } else if (event instanceof TrialProgressReported e) {
            changed = progressReported(e);
            applied = changed.isPresent();
        } else if (event instanceof TrialEnded e) {
            changed = trialEnded(e.getTrial());
            applied = changed.isPresent();
        } else if (event instanceof StudyEnded e) {
            changed = Optional.empty();
            applied = studyEnded(e.getStudy());
        } else if (event instanceof StudyResumed e) {
            requireSameStudy(e.getStudy());
            changed = Optional.empty();
            applied = state != StudyState.STUDY_STATE_RUNNING;
            if (applied) {
                state = StudyState.STUDY_STATE_RUNNING;
                stateReason = "";
            }
        } else {
            throw new IllegalArgumentException(
                    "not a study event: " + event.getDescriptorForType().getFullName());
        }
        if (applied) {
            updateTime = at;
        }
        return changed;
    }

    private Optional<Trial> trialCreated(Trial t, Instant at) {
        requireOwnTrial(t.getName());
        if (trials.containsKey(t.getName())) {
            return Optional.empty();
        }
        Trial.Builder b = t.toBuilder();
        if (!t.hasCreateTime()) {
            b.setCreateTime(Times.toProto(at));
        }
        Trial trial = b.build();
        trials.put(trial.getName(), trial);
        return Optional.of(trial);
    }

    private Optional<Trial> trialStarted(TrialStarted e) {
        Trial t = existing(e.getTrial());
        boolean duplicate = e.getAttempt() == t.getAttempt() && e.getRun().equals(t.getRun());
        if (e.getAttempt() < t.getAttempt() || duplicate) {
            return Optional.empty();
        }
        // A new attempt trains from scratch: the previous attempt's curve and outcome no longer
        // hold.
        Trial started =
                t.toBuilder()
                        .setState(TrialState.TRIAL_STATE_RUNNING)
                        .setStateReason("")
                        .setRun(e.getRun())
                        .setAttempt(e.getAttempt())
                        .clearObjectiveValue()
                        .clearIntermediateValues()
                        .clearEndTime()
                        .build();
        trials.put(started.getName(), started);
        return Optional.of(started);
    }

    private Optional<Trial> progressReported(TrialProgressReported e) {
        Trial t = existing(e.getTrial());
        if (t.getState() != TrialState.TRIAL_STATE_RUNNING
                || lastReportedStep(t) >= e.getValue().getStep()) {
            return Optional.empty();
        }
        Trial reported = t.toBuilder().addIntermediateValues(e.getValue()).build();
        trials.put(reported.getName(), reported);
        return Optional.of(reported);
    }

    private Optional<Trial> trialEnded(Trial ended) {
        Trial t = existing(ended.getName());
        if (ended.getAttempt() < t.getAttempt() || ended.equals(t)) {
            return Optional.empty();
        }
        trials.put(ended.getName(), ended);
        return Optional.of(ended);
    }

    private boolean studyEnded(Study ended) {
        requireSameStudy(ended.getName());
        if (ended.getState() == StudyState.STUDY_STATE_RUNNING
                || ended.getState() == StudyState.STUDY_STATE_UNSPECIFIED) {
            throw new IllegalArgumentException("StudyEnded with state " + ended.getState());
        }
        if (ended.getState() == state && ended.getStateReason().equals(stateReason)) {
            return false;
        }
        state = ended.getState();
        stateReason = ended.getStateReason();
        return true;
    }

    private Trial existing(String trialName) {
        requireOwnTrial(trialName);
        Trial t = trials.get(trialName);
        if (t == null) {
            throw new IllegalArgumentException(trialName + " was never created");
        }
        return t;
    }

    private void requireSameStudy(String name) {
        if (!created.getName().equals(name)) {
            throw new IllegalArgumentException(name + " is not " + created.getName());
        }
    }

    private void requireOwnTrial(String trialName) {
        if (!trialName.startsWith(created.getName() + "/trials/")) {
            throw new IllegalArgumentException(
                    trialName + " is not a trial of " + created.getName());
        }
    }

    // Queries.

    public String id() {
        return id;
    }

    public String name() {
        return created.getName();
    }

    public StudySpec spec() {
        return created.getSpec();
    }

    public StudyState state() {
        return state;
    }

    public String requestId() {
        return created.getRequestId();
    }

    public Instant createTime() {
        return Times.fromProto(created.getCreateTime());
    }

    /** The study as the API shows it, with the figures derived from its trials. */
    public Study study() {
        Study.Builder b =
                created.toBuilder()
                        .setState(state)
                        .setStateReason(stateReason)
                        .setTrialsTotal(trials.size())
                        .setTrialsCompleted(
                                (int)
                                        trials.values().stream()
                                                .filter(t -> TrialStates.completed(t.getState()))
                                                .count())
                        .setComputeTokens(computeTokens())
                        .setUpdateTime(Times.toProto(updateTime));
        best().ifPresent(b::setBestTrial);
        return b.build();
    }

    /** Trials in creation order. */
    public List<Trial> trials() {
        return List.copyOf(trials.values());
    }

    public Optional<Trial> trial(String name) {
        return Optional.ofNullable(trials.get(name));
    }

    public int trialCount() {
        return trials.size();
    }

    /** Trials proposed or training. */
    public int activeTrials() {
        return (int) trials.values().stream().filter(t -> TrialStates.active(t.getState())).count();
    }

    /** The study will not change any more on its own: not running, and no trial still in flight. */
    public boolean settled() {
        return state != StudyState.STUDY_STATE_RUNNING && activeTrials() == 0;
    }

    public long computeTokens() {
        return trials.values().stream().mapToLong(Trial::getComputeTokens).sum();
    }

    /** The name the next proposed trial gets: trials are numbered from 1 in creation order. */
    public String nextTrialName() {
        return StudyNames.trialName(created.getName(), trials.size() + 1);
    }

    /** The succeeded trial with the lowest objective (the earliest among equals). */
    public Optional<Trial> best() {
        return succeeded().stream().min(Comparator.comparingDouble(Trial::getObjectiveValue));
    }

    /**
     * The best trials: the best one for a single objective; with compute as a second objective, the
     * Pareto set over (objective, compute tokens), by objective.
     */
    public List<Trial> bestTrials() {
        if (!created.getSpec().getObjective().getMinimizeCompute()) {
            return best().map(List::of).orElse(List.of());
        }
        List<Trial> candidates = succeeded();
        List<Trial> front = new ArrayList<>();
        for (Trial t : candidates) {
            boolean dominated =
                    candidates.stream()
                            .anyMatch(
                                    o ->
                                            o.getObjectiveValue() <= t.getObjectiveValue()
                                                    && o.getComputeTokens() <= t.getComputeTokens()
                                                    && (o.getObjectiveValue()
                                                                    < t.getObjectiveValue()
                                                            || o.getComputeTokens()
                                                                    < t.getComputeTokens()));
            if (!dominated) {
                front.add(t);
            }
        }
        front.sort(
                Comparator.comparingDouble(Trial::getObjectiveValue)
                        .thenComparingLong(Trial::getComputeTokens));
        return front;
    }

    private List<Trial> succeeded() {
        List<Trial> out = new ArrayList<>();
        for (Trial t : trials.values()) {
            if (t.getState() == TrialState.TRIAL_STATE_SUCCEEDED
                    && t.hasObjectiveValue()
                    && Double.isFinite(t.getObjectiveValue())) {
                out.add(t);
            }
        }
        return out;
    }

    /** The last intermediate value's step, or -1. */
    public static long lastReportedStep(Trial t) {
        int n = t.getIntermediateValuesCount();
        return n == 0 ? -1 : t.getIntermediateValues(n - 1).getStep();
    }
}
