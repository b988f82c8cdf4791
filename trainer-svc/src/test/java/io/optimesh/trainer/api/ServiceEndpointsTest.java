package io.optimesh.trainer.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;

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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

/**
 * What every OptiMesh service offers on its one port: gRPC health and reflection next to its own
 * service, /q/health and Prometheus metrics. Clients are plain grpc-java and java.net.http.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class ServiceEndpointsTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = TestRuns.open(root);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestRuns.close(channel);
    }

    @Test
    void grpcHealthIsServingForTheServerAndTheService() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
        assertThat(
                        health.check(
                                        HealthCheckRequest.newBuilder()
                                                .setService("optimesh.v1.TrainerService")
                                                .build())
                                .getStatus())
                .isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void reflectionListsTheServicesOnTheSamePort() throws Exception {
        ServerReflectionResponse response =
                reflect(ServerReflectionRequest.newBuilder().setListServices("*").build());
        assertThat(response.getListServicesResponse().getServiceList())
                .extracting(ServiceResponse::getName)
                .contains("optimesh.v1.TrainerService", "grpc.health.v1.Health");
    }

    @Test
    void reflectionServesTheContractSoClientsNeedNoProtoFiles() throws Exception {
        ServerReflectionResponse response =
                reflect(
                        ServerReflectionRequest.newBuilder()
                                .setFileContainingSymbol("optimesh.v1.TrainerService")
                                .build());
        List<FileDescriptorProto> files = new ArrayList<>();
        for (var bytes : response.getFileDescriptorResponse().getFileDescriptorProtoList()) {
            files.add(parse(bytes.toByteArray()));
        }
        FileDescriptorProto optimizer =
                files.stream()
                        .filter(f -> f.getName().equals("optimesh/v1/trainer.proto"))
                        .findFirst()
                        .orElseThrow();
        ServiceDescriptorProto service = optimizer.getService(0);
        assertThat(service.getName()).isEqualTo("TrainerService");
        assertThat(service.getMethodList())
                .extracting(MethodDescriptorProto::getName)
                .contains("CreateRun", "WatchRun", "EvaluateCheckpoint");
    }

    @Test
    void healthAndMetricsAreServedOverHttp() throws IOException, InterruptedException {
        HttpResponse<String> health = get("/q/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\": \"UP\"").contains("gRPC Server");
        HttpResponse<String> metrics = get("/q/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("jvm_memory_used_bytes")
                .containsPattern("optimesh_trainer_runs\\{.*state=\"succeeded\"")
                .contains("optimesh_trainer_steps_total")
                .contains("optimesh_trainer_tokens_per_second");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        return client.send(
                HttpRequest.newBuilder(URI.create(root.toString()).resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private ServerReflectionResponse reflect(ServerReflectionRequest request) throws Exception {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests =
                ServerReflectionGrpc.newStub(channel)
                        .serverReflectionInfo(
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(ServerReflectionResponse response) {
                                        answer.complete(response);
                                    }

                                    @Override
                                    public void onError(Throwable error) {
                                        answer.completeExceptionally(error);
                                    }

                                    @Override
                                    public void onCompleted() {}
                                });
        requests.onNext(request);
        try {
            return answer.get(10, TimeUnit.SECONDS);
        } finally {
            requests.onCompleted();
        }
    }

    private static FileDescriptorProto parse(byte[] bytes) {
        try {
            return FileDescriptorProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(
                    "reflection returned a file that is not a FileDescriptorProto", e);
        }
    }
}
