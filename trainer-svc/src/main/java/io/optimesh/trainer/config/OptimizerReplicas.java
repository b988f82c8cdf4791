package io.optimesh.trainer.config;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Channels to the optimizer-svc replicas of {@link TrainerConfig#optimizerReplicas()}, in their
 * configured (shard) order. Plain grpc-java channels: one per replica, connected on first use.
 */
@Singleton
public class OptimizerReplicas {

    /** Room for a whole step's updated parameters of a small model (13 MB at 3.3M parameters). */
    private static final int RECEIVE_WINDOW_BYTES = 64 << 20;

    private final List<ManagedChannel> channels;

    OptimizerReplicas(TrainerConfig config) {
        channels = config.optimizerReplicas().orElse(List.of()).stream()
                .map(String::trim)
                .filter(target -> !target.isEmpty())
                .map(OptimizerReplicas::open)
                .toList();
    }

    /**
     * A channel to one replica at {@code host:port}. A step's updated parameters come back as
     * megabytes of responses; with grpc-java's 1 MiB receive window the replica would stop every
     * megabyte until this side's WINDOW_UPDATE got through, which on a busy machine waits for both
     * processes to be scheduled. The window holds a whole step of a small model instead.
     */
    public static ManagedChannel open(String target) {
        // The mesh is plaintext on loopback; on Kubernetes a service mesh adds TLS.
        return NettyChannelBuilder.forTarget(target).usePlaintext()
                .flowControlWindow(RECEIVE_WINDOW_BYTES)
                .maxInboundMessageSize(Integer.MAX_VALUE)
                .build();
    }

    public List<ManagedChannel> channels() {
        return channels;
    }

    @PreDestroy
    void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdown);
        for (ManagedChannel channel : channels) {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        }
    }
}
