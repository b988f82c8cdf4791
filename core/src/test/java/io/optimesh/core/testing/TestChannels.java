package io.optimesh.core.testing;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

import java.net.URL;
import java.util.concurrent.TimeUnit;

/** Plain grpc-java channels to the application under test, on its HTTP port (gRPC shares it). */
public final class TestChannels {

    private TestChannels() {}

    public static ManagedChannel open(URL testUrl) {
        return ManagedChannelBuilder.forAddress(testUrl.getHost(), testUrl.getPort())
                .usePlaintext()
                .build();
    }

    public static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
