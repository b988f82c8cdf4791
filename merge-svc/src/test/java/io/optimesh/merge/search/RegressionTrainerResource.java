package io.optimesh.merge.search;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.optimesh.v1.EvaluateCheckpointRequest;
import io.optimesh.v1.EvaluateCheckpointResponse;
import io.optimesh.v1.Evaluation;
import io.optimesh.v1.TrainerServiceGrpc;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A TrainerService on a real gRPC server (Netty, a free port) whose EvaluateCheckpoint scores a checkpoint
 * file as a {@link RegressionCheckpoints} model on its held-out samples, so that merge-svc's tests run the
 * weight search through its real trainer client without a GPT. Points the {@code trainer} client at it.
 */
public class RegressionTrainerResource implements QuarkusTestResourceLifecycleManager {

    /** The URIs evaluated, in order. */
    public static final List<String> EVALUATED = new CopyOnWriteArrayList<>();

    private Server server;

    @Override
    public Map<String, String> start() {
        RegressionCheckpoints model = new RegressionCheckpoints();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new TrainerServiceGrpc.TrainerServiceImplBase() {
                    @Override
                    public void evaluateCheckpoint(EvaluateCheckpointRequest request,
                            StreamObserver<EvaluateCheckpointResponse> responses) {
                        Path file = Path.of(URI.create(request.getCheckpoint().getUri()));
                        if (!Files.isRegularFile(file)) {
                            responses.onError(Status.INVALID_ARGUMENT.withDescription("no weights file at " + file)
                                    .asRuntimeException());
                            return;
                        }
                        EVALUATED.add(request.getCheckpoint().getUri());
                        double loss = model.loss(file);
                        responses.onNext(EvaluateCheckpointResponse.newBuilder().setEvaluation(Evaluation.newBuilder()
                                .setLoss(loss).setPerplexity(Math.exp(loss)).setDataset("regression:held-out")
                                .setTokensEvaluated(RegressionCheckpoints.SAMPLES)).build());
                        responses.onCompleted();
                    }
                })
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String port = Integer.toString(server.getPort());
        // In tests Quarkus points clients at the application's own test port unless told a test-port.
        return Map.of("quarkus.grpc.clients.trainer.host", "127.0.0.1", "quarkus.grpc.clients.trainer.port", port,
                "quarkus.grpc.clients.trainer.test-port", port);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
