package io.optimesh.coordinator.search;

import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.Schedule;

import java.util.List;

/**
 * Ranks candidate LR schedules before any of them is trained, by a law fitted to the curves of
 * runs that already ended (law-svc's Opt-Laws model in production: schedule features to final loss,
 * and a divergence-risk classifier).
 */
public interface ScheduleRanker {

    /**
     * @param curves the ended runs' curves, each with its schedule; diverged ones marked
     * @param candidates the schedules to rank
     * @return every candidate, best first, with its predicted final loss and divergence risk
     * @throws ScheduleRankingException when no ranking can be had (too few curves, law-svc down)
     */
    List<RankedSchedule> rank(List<LabeledCurve> curves, List<Schedule> candidates);

    /** Why a ranking could not be had; the sampler then keeps its base proposal. */
    final class ScheduleRankingException extends RuntimeException {
        public ScheduleRankingException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
