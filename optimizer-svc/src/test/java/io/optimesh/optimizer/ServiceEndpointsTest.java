package io.optimesh.optimizer;

import io.optimesh.core.testing.TestChannels;

import static io.optimesh.core.testing.ServiceEndpointChecks.assertHealthAndMetricsServed;
import static io.optimesh.core.testing.ServiceEndpointChecks.assertServing;
import static io.optimesh.core.testing.ServiceEndpointChecks.describedService;
import static io.optimesh.core.testing.ServiceEndpointChecks.reflectedServiceNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;

import io.grpc.ManagedChannel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;

/**
 * What every OptiMesh service offers on its one port (core's {@code ServiceEndpointChecks}),
 * checked against OptimizerService.
 */
@QuarkusTest
class ServiceEndpointsTest {

    private static final String SERVICE = "optimesh.v1.OptimizerService";

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
    void grpcHealthIsServingForTheServerAndTheService() {
        assertServing(channel, SERVICE);
    }

    @Test
    void reflectionListsTheServicesOnTheSamePort() throws Exception {
        assertThat(reflectedServiceNames(channel)).contains(SERVICE, "grpc.health.v1.Health");
    }

    @Test
    void reflectionServesTheContractSoClientsNeedNoProtoFiles() throws Exception {
        assertThat(describedService(channel, SERVICE, "optimesh/v1/optimizer.proto").getMethodList())
                .extracting(MethodDescriptorProto::getName)
                .contains("ListAlgorithms", "EvaluateSchedule");
    }

    @Test
    void healthAndMetricsAreServedOverHttp() throws Exception {
        assertHealthAndMetricsServed(root);
    }
}
