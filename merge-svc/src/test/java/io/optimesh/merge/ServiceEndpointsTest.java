package io.optimesh.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every OptiMesh service offers on its one port: gRPC health and reflection next to its own service,
 * /q/health and Prometheus metrics. Clients are plain grpc-java and java.net.http.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class ServiceEndpointsTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = TestChannels.open(root);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void grpcHealthIsServingForTheServerAndTheMergeService() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("optimesh.v1.MergeService").build()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void reflectionListsAndDescribesTheMergeService() throws Exception {
        ServerReflectionResponse list = reflect(ServerReflectionRequest.newBuilder().setListServices("*").build());
        assertThat(list.getListServicesResponse().getServiceList()).extracting(ServiceResponse::getName)
                .contains("optimesh.v1.MergeService", "grpc.health.v1.Health");

        ServerReflectionResponse files = reflect(ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("optimesh.v1.MergeService").build());
        List<FileDescriptorProto> descriptors = new ArrayList<>();
        for (var bytes : files.getFileDescriptorResponse().getFileDescriptorProtoList()) {
            descriptors.add(FileDescriptorProto.parseFrom(bytes));
        }
        FileDescriptorProto merge = descriptors.stream().filter(f -> f.getName().equals("optimesh/v1/merge.proto"))
                .findFirst().orElseThrow();
        assertThat(merge.getService(0).getMethodList()).extracting(MethodDescriptorProto::getName)
                .containsExactly("MergeCheckpoints", "SearchMergeWeights");
    }

    @Test
    void healthAndMetricsAreServedOverHttp() throws IOException, InterruptedException {
        HttpResponse<String> health = get("/q/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\": \"UP\"").contains("gRPC Server");
        HttpResponse<String> metrics = get("/q/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(root.toString()).resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private ServerReflectionResponse reflect(ServerReflectionRequest request) throws Exception {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        answer.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(request);
        try {
            return answer.get(10, TimeUnit.SECONDS);
        } finally {
            requests.onCompleted();
        }
    }
}
