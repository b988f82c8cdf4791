package io.optimesh.core.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Header names of the CloudEvents Kafka protocol binding in binary mode, and reading them back.
 * The value of a record is the protobuf-encoded event; these headers let any consumer route it
 * without decoding it.
 */
public final class CloudEventHeaders {

    public static final String SPEC_VERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    /** The protobuf message's full name, e.g. {@code optimesh.v1.RunStarted}. */
    public static final String TYPE = "ce_type";
    /** RFC 3339 timestamp in UTC. */
    public static final String TIME = "ce_time";
    /** The binding maps the CloudEvents datacontenttype to this plain header. */
    public static final String CONTENT_TYPE = "content-type";

    public static final String SPEC_VERSION_1_0 = "1.0";
    public static final String PROTOBUF_CONTENT_TYPE = "application/protobuf";

    private CloudEventHeaders() {
    }

    public static Optional<String> specVersion(ConsumerRecord<?, ?> record) {
        return text(record.headers(), SPEC_VERSION);
    }

    public static Optional<String> id(ConsumerRecord<?, ?> record) {
        return text(record.headers(), ID);
    }

    public static Optional<String> source(ConsumerRecord<?, ?> record) {
        return text(record.headers(), SOURCE);
    }

    public static Optional<String> type(ConsumerRecord<?, ?> record) {
        return text(record.headers(), TYPE);
    }

    public static Optional<String> contentType(ConsumerRecord<?, ?> record) {
        return text(record.headers(), CONTENT_TYPE);
    }

    /** The event time; empty when the header is missing or not an RFC 3339 timestamp. */
    public static Optional<Instant> time(ConsumerRecord<?, ?> record) {
        return text(record.headers(), TIME).flatMap(t -> {
            try {
                return Optional.of(Instant.parse(t));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
    }

    /** The last value of a header as UTF-8 text (the binding allows a header only once). */
    public static Optional<String> text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        return Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }
}
