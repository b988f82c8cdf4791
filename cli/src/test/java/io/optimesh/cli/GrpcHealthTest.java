package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The answers up waits on and status shows, from a real grpc-java server on a real port. */
class GrpcHealthTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);

    @Test
    void servingNotServingAndNothingListening() throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(MeshPlan.HOST, 0))
                .addService(health.getHealthService()).build().start();
        int port = server.getPort();
        try (GrpcHealth client = new GrpcHealth(MeshPlan.HOST, port)) {
            assertThat(client.check(DEADLINE)).isEqualTo(GrpcHealth.Result.SERVING);
            health.setStatus("", ServingStatus.NOT_SERVING);
            assertThat(client.check(DEADLINE)).isEqualTo(GrpcHealth.Result.NOT_SERVING);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(GrpcHealth.checkOnce(MeshPlan.HOST, port, DEADLINE)).isEqualTo(GrpcHealth.Result.UNREACHABLE);
    }

    @Test
    void aServerWithoutTheHealthServiceIsToldApartFromOneNotUpYet() throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(MeshPlan.HOST, 0)).build().start();
        try {
            assertThat(GrpcHealth.checkOnce(MeshPlan.HOST, server.getPort(), DEADLINE))
                    .isEqualTo(GrpcHealth.Result.NO_HEALTH_SERVICE);
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
