package io.optimesh.trainer.config;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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

    private final List<ManagedChannel> channels;

    OptimizerReplicas(TrainerConfig config) {
        channels = config.optimizerReplicas().orElse(List.of()).stream()
                .map(String::trim)
                .filter(target -> !target.isEmpty())
                // The mesh is plaintext on loopback; on Kubernetes a service mesh adds TLS.
                .map(target -> ManagedChannelBuilder.forTarget(target).usePlaintext()
                        .maxInboundMessageSize(Integer.MAX_VALUE).build())
                .toList();
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
