package io.optimesh.trainer.events;

import io.optimesh.core.events.EventPublisher;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The trainer's Kafka producer of CloudEvents, closed (after sending what it holds) on shutdown. */
public class EventsProducer {

    /** The CloudEvents source of every event this service publishes. */
    public static final String SOURCE = "//optimesh.io/trainer-svc";

    @Produces
    @Singleton
    EventPublisher eventPublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        return new EventPublisher(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "trainer-svc"), SOURCE);
    }

    void close(@Disposes EventPublisher publisher) {
        publisher.close();
    }

    @Produces
    @Singleton
    KafkaRunEvents runEvents(EventPublisher publisher) {
        return new KafkaRunEvents(publisher);
    }
}
