package io.optimesh.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A grpc.health.v1 client for one service: the same check Kubernetes' gRPC probes make. */
public final class GrpcHealth implements AutoCloseable {

    /**
     * What a health check said: UNREACHABLE when no answer came (nothing listening yet, or too slow),
     * NO_HEALTH_SERVICE when something answered that does not implement grpc.health.v1.
     */
    public enum Result {
        SERVING, NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN, UNREACHABLE, NO_HEALTH_SERVICE
    }

    private final ManagedChannel channel;
    private final HealthGrpc.HealthBlockingStub stub;

    public GrpcHealth(String host, int port) {
        this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
        this.stub = HealthGrpc.newBlockingStub(channel);
    }

    /** The server's overall health (the empty service name). */
    public Result check(Duration deadline) {
        try {
            HealthCheckRequest request = HealthCheckRequest.getDefaultInstance();
            return switch (stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).check(request)
                    .getStatus()) {
                case SERVING -> Result.SERVING;
                case NOT_SERVING -> Result.NOT_SERVING;
                case SERVICE_UNKNOWN -> Result.SERVICE_UNKNOWN;
                default -> Result.UNKNOWN;
            };
        } catch (StatusRuntimeException e) {
            return switch (e.getStatus().getCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED -> Result.UNREACHABLE;
                case UNIMPLEMENTED, NOT_FOUND -> Result.NO_HEALTH_SERVICE;
                default -> Result.UNKNOWN;
            };
        }
    }

    public static Result checkOnce(String host, int port, Duration deadline) {
        try (GrpcHealth health = new GrpcHealth(host, port)) {
            return health.check(deadline);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
