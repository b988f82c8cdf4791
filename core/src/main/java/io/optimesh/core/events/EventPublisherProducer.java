package io.optimesh.core.events;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.Config;

import java.util.Map;

/**
 * A service's one {@link EventPublisher}, built from {@code kafka.bootstrap.servers}, with client id
 * {@code quarkus.application.name} and CloudEvents source {@code //optimesh.io/<application name>};
 * closed when the application stops. Created only where a bean injects it, so services that publish
 * nothing start without a broker or Kafka configuration.
 */
@Singleton
public class EventPublisherProducer {

    /** The CloudEvents {@code ce_source} of events published by {@code applicationName}. */
    public static String source(String applicationName) {
        return "//optimesh.io/" + applicationName;
    }

    // Config is read here, not through @ConfigProperty injection points, so services without Kafka
    // settings pass Quarkus's startup config validation.
    @Produces
    @Singleton
    EventPublisher eventPublisher(Config config) {
        String application = config.getValue("quarkus.application.name", String.class);
        return new EventPublisher(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        config.getValue("kafka.bootstrap.servers", String.class),
                        ProducerConfig.CLIENT_ID_CONFIG,
                        application),
                source(application));
    }

    // Flushes what is buffered (bounded by the publisher's close timeout) before the JVM exits.
    void close(@Disposes EventPublisher publisher) {
        publisher.close();
    }
}
