package io.optimesh.trainer.events;

import io.optimesh.core.events.EventPublisher;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The trainer's run events on core's Kafka publisher (core's {@code EventPublisherProducer}). */
public class EventsProducer {

    @Produces
    @Singleton
    KafkaRunEvents runEvents(EventPublisher publisher) {
        return new KafkaRunEvents(publisher);
    }
}
