package io.optimesh.core.events;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Turns CloudEvents-framed records back into protobuf messages. A consumer names the event types
 * it understands; records of any other type (a newer producer, another consumer's events on a
 * shared topic) are skipped with a log line so that one unknown event never stalls a partition.
 */
public final class EventDecoder {

    private static final Logger LOG = Logger.getLogger(EventDecoder.class);

    private final Map<String, Parser<? extends Message>> parsers;
    private final Set<String> reportedUnknownTypes = ConcurrentHashMap.newKeySet();

    /** @param prototypes one instance (usually {@code getDefaultInstance()}) of each expected event type */
    public EventDecoder(Collection<? extends Message> prototypes) {
        Map<String, Parser<? extends Message>> byName = new HashMap<>();
        for (Message prototype : prototypes) {
            byName.put(prototype.getDescriptorForType().getFullName(), prototype.getParserForType());
        }
        this.parsers = Map.copyOf(byName);
    }

    public static EventDecoder of(Message... prototypes) {
        return new EventDecoder(List.of(prototypes));
    }

    /** The full names of the event types this decoder reads. */
    public Set<String> types() {
        return parsers.keySet();
    }

    /**
     * The record's event, or empty (with a log line) when its type is missing or not expected, its
     * content type is not protobuf, or its value does not parse.
     */
    public Optional<Message> decode(ConsumerRecord<String, byte[]> record) {
        Optional<String> type = CloudEventHeaders.type(record);
        if (type.isEmpty()) {
            LOG.warnf("Skipping %s: no %s header", position(record), CloudEventHeaders.TYPE);
            return Optional.empty();
        }
        Parser<? extends Message> parser = parsers.get(type.get());
        if (parser == null) {
            // Topics carry several event types and most consumers read a few: say it once per type.
            Logger.Level level = reportedUnknownTypes.add(type.get()) ? Logger.Level.INFO : Logger.Level.DEBUG;
            LOG.logf(level, "Skipping %s: event type %s is not one of %s", position(record), type.get(), parsers.keySet());
            return Optional.empty();
        }
        Optional<String> contentType = CloudEventHeaders.contentType(record);
        if (contentType.isPresent() && !contentType.get().equals(CloudEventHeaders.PROTOBUF_CONTENT_TYPE)) {
            LOG.warnf("Skipping %s: content type %s, expected %s", position(record), contentType.get(),
                    CloudEventHeaders.PROTOBUF_CONTENT_TYPE);
            return Optional.empty();
        }
        if (record.value() == null) {
            LOG.warnf("Skipping %s: a %s event without a value", position(record), type.get());
            return Optional.empty();
        }
        try {
            return Optional.of(parser.parseFrom(record.value()));
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("Skipping %s: its value is not a valid %s (%s)", position(record), type.get(), e.getMessage());
            return Optional.empty();
        }
    }

    /** Like {@link #decode} but only for one type, e.g. to pick {@code RunStarted} events out of a topic. */
    public <T extends Message> Optional<T> decode(ConsumerRecord<String, byte[]> record, Class<T> type) {
        return decode(record).filter(type::isInstance).map(type::cast);
    }

    private static String position(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}
