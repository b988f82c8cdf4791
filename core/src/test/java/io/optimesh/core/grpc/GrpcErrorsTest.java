package io.optimesh.core.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {

    @Test
    void invalidArgumentCarriesErrorInfoAndEveryViolation() {
        StatusRuntimeException e = GrpcErrors.invalidArgument("SCHEDULE_REJECTED", List.of(
                FieldViolation.newBuilder().setField("spec.schedule.total_steps").setDescription("must be positive").build(),
                FieldViolation.newBuilder().setDescription("min_lr must not exceed peak_lr").build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo(
                "invalid request: spec.schedule.total_steps: must be positive; min_lr must not exceed peak_lr");
        assertThat(GrpcErrors.errorInfo(e)).contains(
                ErrorInfo.newBuilder().setReason("SCHEDULE_REJECTED").setDomain("optimesh.io").build());
        assertThat(GrpcErrors.fieldViolations(e)).extracting(FieldViolation::getField)
                .containsExactly("spec.schedule.total_steps", "");
    }

    @Test
    void notFoundAndAlreadyExistsNameTheResource() {
        StatusRuntimeException missing = GrpcErrors.notFound("studies/s1/trials/t7");
        StatusRuntimeException duplicate = GrpcErrors.alreadyExists("runs/r1");

        assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(missing.getStatus().getDescription()).isEqualTo("studies/s1/trials/t7 not found");
        assertThat(GrpcErrors.errorInfo(missing)).map(ErrorInfo::getReason).contains("RESOURCE_NOT_FOUND");
        assertThat(GrpcErrors.errorInfo(missing)).map(ErrorInfo::getMetadataMap)
                .contains(Map.of("resource", "studies/s1/trials/t7"));
        assertThat(GrpcErrors.detail(missing, ResourceInfo.class)).map(ResourceInfo::getResourceType).contains("trials");

        assertThat(duplicate.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(GrpcErrors.errorInfo(duplicate)).map(ErrorInfo::getReason).contains("RESOURCE_ALREADY_EXISTS");
        assertThat(GrpcErrors.detail(duplicate, ResourceInfo.class)).map(ResourceInfo::getResourceName).contains("runs/r1");
        assertThat(GrpcErrors.fieldViolations(duplicate)).isEmpty();
    }

    @Test
    void otherCodesKeepTheirReasonAndMetadata() {
        assertThat(List.of(
                GrpcErrors.failedPrecondition("RUN_NOT_RUNNING", "runs/r1 is FINISHED", Map.of("state", "FINISHED")),
                GrpcErrors.unavailable("TRAINER_UNAVAILABLE", "trainer-svc did not answer", Map.of()),
                GrpcErrors.internal("CHECKPOINT_CORRUPT", "bad header", Map.of("uri", "file:///c/1.safetensors"))))
                .extracting(e -> e.getStatus().getCode(), e -> GrpcErrors.errorInfo(e).orElseThrow().getReason(),
                        e -> GrpcErrors.errorInfo(e).orElseThrow().getMetadataMap().size(), e -> e.getStatus().getDescription())
                .containsExactly(
                        tuple(Status.Code.FAILED_PRECONDITION, "RUN_NOT_RUNNING", 1, "runs/r1 is FINISHED"),
                        tuple(Status.Code.UNAVAILABLE, "TRAINER_UNAVAILABLE", 0, "trainer-svc did not answer"),
                        tuple(Status.Code.INTERNAL, "CHECKPOINT_CORRUPT", 1, "bad header"));
    }

    @Test
    void reasonsMustBeUpperSnakeCase() {
        assertThatThrownBy(() -> GrpcErrors.internal("checkpointCorrupt", "x", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkpointCorrupt");
        assertThatThrownBy(() -> GrpcErrors.internal("TRAILING_", "x", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GrpcErrors.internal("A".repeat(64), "x", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(GrpcErrors.internal("A".repeat(63), "x", Map.of()).getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    }

    @Test
    void fieldViolationsThrowOnlyWhenSomethingWasRecorded() {
        FieldViolations none = new FieldViolations().check(true, "parent", "no such study");
        none.throwIfAny();
        assertThat(none.isEmpty()).isTrue();

        FieldViolations some = new FieldViolations()
                .check(false, "parent", "no such study")
                .check(true, "trial.params", "unused")
                .add("trial.params[\"lr\"]", "OUT_OF_SEARCH_SPACE", "0.5 is above the search space's 0.1");

        assertThatThrownBy(() -> some.throwIfAny("TRIAL_REJECTED"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(GrpcErrors.errorInfo(e)).map(ErrorInfo::getReason).contains("TRIAL_REJECTED");
                    assertThat(GrpcErrors.fieldViolations(e))
                            .extracting(FieldViolation::getField, FieldViolation::getReason, FieldViolation::getDescription)
                            .containsExactly(
                                    tuple("parent", "", "no such study"),
                                    tuple("trial.params[\"lr\"]", "OUT_OF_SEARCH_SPACE", "0.5 is above the search space's 0.1"));
                });
        assertThatThrownBy(some::throwIfAny).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(GrpcErrors.errorInfo(e)).map(ErrorInfo::getReason).contains("INVALID_ARGUMENT"));
    }
}
