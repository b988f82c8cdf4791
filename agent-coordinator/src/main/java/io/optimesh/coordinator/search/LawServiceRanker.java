package io.optimesh.coordinator.search;

import io.grpc.StatusRuntimeException;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawServiceGrpc;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.Schedule;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Ranks schedules through law-svc: FitLaw (Opt-Laws) on the ended runs, then RankSchedules. */
public final class LawServiceRanker implements ScheduleRanker {

    private final LawServiceGrpc.LawServiceBlockingStub law;
    private final Duration deadline;

    public LawServiceRanker(LawServiceGrpc.LawServiceBlockingStub law, Duration deadline) {
        this.law = law;
        this.deadline = deadline;
    }

    @Override
    public List<RankedSchedule> rank(List<LabeledCurve> curves, List<Schedule> candidates) {
        try {
            FittedLaw fitted =
                    stub().fitLaw(
                                    FitLawRequest.newBuilder()
                                            .setKind(LawKind.LAW_KIND_OPT_LAWS)
                                            .addAllCurves(curves)
                                            .build())
                            .getLaw();
            return stub().rankSchedules(
                            RankSchedulesRequest.newBuilder()
                                    .setLaw(fitted)
                                    .addAllCandidates(candidates)
                                    .build())
                    .getRankingList();
        } catch (StatusRuntimeException e) {
            throw new ScheduleRankingException(
                    "law-svc could not rank " + candidates.size() + " schedules on "
                            + curves.size() + " curves: " + e.getStatus(),
                    e);
        }
    }

    private LawServiceGrpc.LawServiceBlockingStub stub() {
        return law.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }
}
