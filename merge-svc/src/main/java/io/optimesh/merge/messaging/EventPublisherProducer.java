package io.optimesh.merge.messaging;

import io.optimesh.core.events.EventPublisher;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** merge-svc's one Kafka producer (core's CloudEvents publisher), closed when the application stops. */
@Singleton
public class EventPublisherProducer {

    /** The CloudEvents {@code ce_source} of every event this service publishes. */
    public static final String SOURCE = "//optimesh.io/merge-svc";

    @Produces
    @Singleton
    EventPublisher eventPublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        return new EventPublisher(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "merge-svc"), SOURCE);
    }

    // Flushes what is buffered (bounded by the publisher's close timeout) before the JVM exits.
    void close(@Disposes EventPublisher publisher) {
        publisher.close();
    }
}
