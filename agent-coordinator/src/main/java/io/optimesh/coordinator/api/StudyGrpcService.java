package io.optimesh.coordinator.api;

import com.google.protobuf.Message;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.optimesh.coordinator.execution.StudyRunner;
import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.coordinator.study.Studies;
import io.optimesh.coordinator.study.StudyAggregate;
import io.optimesh.coordinator.study.StudyException;
import io.optimesh.coordinator.study.StudyListener;
import io.optimesh.coordinator.study.StudyNames;
import io.optimesh.v1.CreateStudyRequest;
import io.optimesh.v1.CreateStudyResponse;
import io.optimesh.v1.GetStudyRequest;
import io.optimesh.v1.GetStudyResponse;
import io.optimesh.v1.ListBestTrialsRequest;
import io.optimesh.v1.ListBestTrialsResponse;
import io.optimesh.v1.ListStudiesRequest;
import io.optimesh.v1.ListStudiesResponse;
import io.optimesh.v1.ListTrialsRequest;
import io.optimesh.v1.ListTrialsResponse;
import io.optimesh.v1.ResumeStudyRequest;
import io.optimesh.v1.ResumeStudyResponse;
import io.optimesh.v1.StopStudyRequest;
import io.optimesh.v1.StopStudyResponse;
import io.optimesh.v1.Study;
import io.optimesh.v1.StudyServiceGrpc;
import io.optimesh.v1.Trial;
import io.optimesh.v1.WatchStudyRequest;
import io.optimesh.v1.WatchStudyResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;

import jakarta.inject.Inject;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** StudyService over gRPC: translates requests and delegates to the runner and the studies. */
@GrpcService
public class StudyGrpcService extends StudyServiceGrpc.StudyServiceImplBase {

    private static final Comparator<Study> NEWEST_FIRST =
            Comparator.comparing((Study s) -> s.getCreateTime().getSeconds())
                    .thenComparing(s -> s.getCreateTime().getNanos())
                    .reversed()
                    .thenComparing(Study::getName);

    private final StudyRunner runner;
    private final Studies studies;

    @Inject
    public StudyGrpcService(StudyRunner runner, Studies studies) {
        this.runner = runner;
        this.studies = studies;
    }

    @Override
    @Blocking
    public void createStudy(CreateStudyRequest request, StreamObserver<CreateStudyResponse> out) {
        respond(
                out,
                () ->
                        CreateStudyResponse.newBuilder()
                                .setStudy(
                                        runner.create(
                                                request.getRequestId(),
                                                request.getStudyId(),
                                                request.getSpec()))
                                .build());
    }

    @Override
    public void getStudy(GetStudyRequest request, StreamObserver<GetStudyResponse> out) {
        respond(
                out,
                () ->
                        GetStudyResponse.newBuilder()
                                .setStudy(
                                        studies.locked(
                                                studyId("name", request.getName()),
                                                StudyAggregate::study))
                                .build());
    }

    @Override
    public void listStudies(ListStudiesRequest request, StreamObserver<ListStudiesResponse> out) {
        respond(
                out,
                () -> {
                    int size = PageTokens.pageSize(request.getPageSize());
                    String after = PageTokens.decode("studies", request.getPageToken());
                    List<Study> all = studies.all();
                    all.sort(NEWEST_FIRST);
                    int from = 0;
                    if (!after.isEmpty()) {
                        from = indexOf(all, after) + 1;
                    }
                    int to = Math.min(all.size(), from + size);
                    ListStudiesResponse.Builder response =
                            ListStudiesResponse.newBuilder().addAllStudies(all.subList(from, to));
                    if (to < all.size()) {
                        // Studies are never deleted and new ones sort first, so the last name
                        // served stays
                        // a stable place to continue from.
                        response.setNextPageToken(
                                PageTokens.encode("studies", all.get(to - 1).getName()));
                    }
                    return response.build();
                });
    }

    private static int indexOf(List<Study> sorted, String name) {
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i).getName().equals(name)) {
                return i;
            }
        }
        throw StudyException.invalid(
                "INVALID_PAGE_TOKEN",
                List.of(new FieldViolation("page_token", "not a page token of this listing")));
    }

    @Override
    public void listTrials(ListTrialsRequest request, StreamObserver<ListTrialsResponse> out) {
        respond(
                out,
                () -> {
                    int size = PageTokens.pageSize(request.getPageSize());
                    String id = studyId("parent", request.getParent());
                    String listing = "trials:" + id;
                    String after = PageTokens.decode(listing, request.getPageToken());
                    List<Trial> trials = studies.locked(id, StudyAggregate::trials);
                    // Trials are only ever appended, so a count of trials served is a stable
                    // position.
                    int from = after.isEmpty() ? 0 : parseOffset(after, trials.size());
                    int to = Math.min(trials.size(), from + size);
                    ListTrialsResponse.Builder response =
                            ListTrialsResponse.newBuilder().addAllTrials(trials.subList(from, to));
                    if (to < trials.size()) {
                        response.setNextPageToken(PageTokens.encode(listing, Integer.toString(to)));
                    }
                    return response.build();
                });
    }

    private static int parseOffset(String position, int count) {
        try {
            int offset = Integer.parseInt(position);
            if (offset >= 0 && offset <= count) {
                return offset;
            }
        } catch (NumberFormatException e) {
            // Refused below.
        }
        throw StudyException.invalid(
                "INVALID_PAGE_TOKEN",
                List.of(new FieldViolation("page_token", "not a page token of this listing")));
    }

    @Override
    public void watchStudy(WatchStudyRequest request, StreamObserver<WatchStudyResponse> out) {
        String id;
        try {
            id = studyId("name", request.getName());
        } catch (StudyException e) {
            out.onError(StudyErrors.toStatus(e));
            return;
        }
        Watch watch = new Watch(id, out);
        if (out instanceof ServerCallStreamObserver<WatchStudyResponse> call) {
            call.setOnCancelHandler(() -> studies.removeListener(watch));
        }
        try {
            studies.locked(
                    id,
                    study -> {
                        // Under the study's lock: no event can slip between this snapshot and the
                        // listener.
                        out.onNext(
                                WatchStudyResponse.newBuilder()
                                        .setStudy(study.study())
                                        .addAllChangedTrials(study.trials())
                                        .build());
                        if (study.settled()) {
                            out.onCompleted();
                        } else {
                            studies.addListener(watch);
                        }
                        return null;
                    });
        } catch (StudyException e) {
            out.onError(StudyErrors.toStatus(e));
        }
    }

    /** One WatchStudy stream: an update per event of its study, closed once the study settles. */
    private final class Watch implements StudyListener {
        private final String studyId;
        private final StreamObserver<WatchStudyResponse> out;

        Watch(String studyId, StreamObserver<WatchStudyResponse> out) {
            this.studyId = studyId;
            this.out = out;
        }

        @Override
        public void applied(StudyAggregate study, Message event, Optional<Trial> changedTrial) {
            if (!study.id().equals(studyId)) {
                return;
            }
            try {
                WatchStudyResponse.Builder update =
                        WatchStudyResponse.newBuilder().setStudy(study.study());
                changedTrial.ifPresent(update::addChangedTrials);
                out.onNext(update.build());
                if (study.settled()) {
                    studies.removeListener(this);
                    out.onCompleted();
                }
            } catch (RuntimeException e) {
                // The client went away mid-update.
                studies.removeListener(this);
            }
        }
    }

    @Override
    @Blocking
    public void stopStudy(StopStudyRequest request, StreamObserver<StopStudyResponse> out) {
        respond(
                out,
                () ->
                        StopStudyResponse.newBuilder()
                                .setStudy(runner.stop(studyId("name", request.getName())))
                                .build());
    }

    @Override
    @Blocking
    public void resumeStudy(ResumeStudyRequest request, StreamObserver<ResumeStudyResponse> out) {
        respond(
                out,
                () ->
                        ResumeStudyResponse.newBuilder()
                                .setStudy(runner.resume(studyId("name", request.getName())))
                                .build());
    }

    @Override
    public void listBestTrials(
            ListBestTrialsRequest request, StreamObserver<ListBestTrialsResponse> out) {
        respond(
                out,
                () ->
                        ListBestTrialsResponse.newBuilder()
                                .addAllTrials(
                                        studies.locked(
                                                studyId("parent", request.getParent()),
                                                StudyAggregate::bestTrials))
                                .build());
    }

    private static String studyId(String field, String name) {
        return StudyNames.parseStudyName(name)
                .orElseThrow(
                        () ->
                                StudyException.invalid(
                                        "INVALID_STUDY_NAME",
                                        List.of(
                                                new FieldViolation(
                                                        field,
                                                        "must be studies/{study}; got \""
                                                                + name
                                                                + "\""))));
    }

    private static <T> void respond(StreamObserver<T> out, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (StudyException e) {
            out.onError(StudyErrors.toStatus(e));
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
