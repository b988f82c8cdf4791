package io.optimesh.cli.law;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.optimesh.cli.MeshException;
import io.optimesh.cli.MeshLayout;
import io.optimesh.cli.MeshPlan;
import io.optimesh.cli.MeshService;
import io.optimesh.cli.MeshState;
import io.optimesh.cli.StateOptions;
import io.optimesh.core.grpc.GrpcErrors;
import io.optimesh.v1.LawServiceGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where law-svc listens: {@code --address}, or the law-svc that {@code ./optimesh up} recorded in the
 * state directory's mesh.json. Calls turn gRPC errors into one clear message (with the field
 * violations the service names) instead of a stack trace.
 */
public class LawEndpoint {

    /** A curve sends the LR of every step: allow what law-svc accepts. */
    static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** Fits and back-tests take seconds; a busy 2-core machine makes it minutes. */
    static final long DEADLINE_MINUTES = 10;

    @Mixin
    StateOptions state;

    @Option(names = "--address", paramLabel = "HOST:PORT",
            description = "law-svc's gRPC address (default: the law-svc of the mesh started by ./optimesh up).")
    String address;

    /** host:port of law-svc. */
    public String target() {
        if (address != null) {
            if (!address.matches("[^:]+:\\d{1,5}")) {
                throw new MeshException("--address " + address + ": expected HOST:PORT, e.g. 127.0.0.1:8083");
            }
            return address;
        }
        MeshLayout layout = state.layout();
        MeshState mesh = MeshState.read(layout.meshFile()).orElseThrow(() -> new MeshException(
                "no mesh is running (nothing recorded in " + layout.meshFile() + "): start law-svc with"
                        + " ./optimesh up --services law-svc, or give --address HOST:PORT"));
        MeshState.Entry law = mesh.entry(MeshService.LAW.id()).filter(e -> e.process().isPresent())
                .orElseThrow(() -> new MeshException("the mesh recorded in " + layout.meshFile()
                        + " runs no law-svc: start it with ./optimesh up --services law-svc"));
        return MeshPlan.HOST + ":" + law.port();
    }

    /** Calls law-svc once. */
    public <T> T call(Function<LawServiceGrpc.LawServiceBlockingStub, T> call) {
        String target = target();
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES).build();
        try {
            return call.apply(LawServiceGrpc.newBlockingStub(channel).withMaxOutboundMessageSize(MAX_MESSAGE_BYTES)
                    .withDeadlineAfter(DEADLINE_MINUTES, TimeUnit.MINUTES));
        } catch (StatusRuntimeException e) {
            throw new MeshException(describe(e, target), e);
        } finally {
            channel.shutdownNow();
        }
    }

    /** A gRPC error as a person reads it: what went wrong, where, and each field violation. */
    static String describe(StatusRuntimeException e, String target) {
        Status status = e.getStatus();
        if (status.getCode() == Status.Code.UNAVAILABLE) {
            return "law-svc at " + target + " is not reachable (" + status.getDescription() + "); is the mesh up?"
                    + " ./optimesh status";
        }
        String reason = GrpcErrors.errorInfo(e).map(i -> " [" + i.getReason() + "]").orElse("");
        StringBuilder out = new StringBuilder("law-svc refused the request: ").append(status.getCode()).append(reason);
        List<String> violations = GrpcErrors.fieldViolations(e).stream()
                .map(v -> v.getField() + ": " + v.getDescription()).collect(Collectors.toList());
        // The description repeats the violations when there are some: list them once, one a line.
        if (status.getDescription() != null && violations.isEmpty()) {
            out.append(": ").append(status.getDescription());
        }
        for (String v : violations) {
            out.append("\n  ").append(v);
        }
        return out.toString();
    }
}
