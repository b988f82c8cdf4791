package io.optimesh.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;

import io.grpc.Channel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The checks of what every OptiMesh service offers on its one port: gRPC health and reflection next
 * to its own service, /q/health and Prometheus metrics. Clients are plain grpc-java and
 * java.net.http, so the checks see what an outside client sees.
 */
public final class ServiceEndpointChecks {

    private ServiceEndpointChecks() {}

    /** Asserts that gRPC health reports SERVING for the whole server and for {@code service}. */
    public static void assertServing(Channel channel, String service) {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
        assertThat(
                        health.check(HealthCheckRequest.newBuilder().setService(service).build())
                                .getStatus())
                .isEqualTo(ServingStatus.SERVING);
    }

    /** The full names of the services that server reflection lists. */
    public static List<String> reflectedServiceNames(Channel channel) throws Exception {
        return reflect(channel, ServerReflectionRequest.newBuilder().setListServices("*").build())
                .getListServicesResponse()
                .getServiceList()
                .stream()
                .map(ServiceResponse::getName)
                .toList();
    }

    /**
     * The first service of {@code protoFile} as reflection serves it for the symbol {@code service}
     * (a full name such as {@code optimesh.v1.LawService}); asserts it is that service, so clients
     * need no .proto files.
     */
    public static ServiceDescriptorProto describedService(
            Channel channel, String service, String protoFile) throws Exception {
        ServerReflectionResponse response =
                reflect(
                        channel,
                        ServerReflectionRequest.newBuilder()
                                .setFileContainingSymbol(service)
                                .build());
        FileDescriptorProto file =
                response.getFileDescriptorResponse().getFileDescriptorProtoList().stream()
                        .map(bytes -> parse(bytes.toByteArray()))
                        .filter(f -> f.getName().equals(protoFile))
                        .findFirst()
                        .orElseThrow();
        ServiceDescriptorProto described = file.getService(0);
        assertThat(described.getName()).isEqualTo(service.substring(service.lastIndexOf('.') + 1));
        return described;
    }

    /**
     * Asserts that /q/health is UP with the gRPC server check and /q/metrics serves Prometheus JVM
     * metrics; returns the metrics text for the service's own metric checks.
     */
    public static String assertHealthAndMetricsServed(URL root)
            throws IOException, InterruptedException {
        HttpResponse<String> health = get(root, "/q/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\": \"UP\"").contains("gRPC Server");
        HttpResponse<String> metrics = get(root, "/q/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        return metrics.body();
    }

    /** A plain HTTP GET of {@code path} against the service's root. */
    public static HttpResponse<String> get(URL root, String path)
            throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(root.toString()).resolve(path))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static ServerReflectionResponse reflect(
            Channel channel, ServerReflectionRequest request) throws Exception {
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
