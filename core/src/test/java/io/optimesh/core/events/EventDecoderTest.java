package io.optimesh.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.ErrorInfo;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class EventDecoderTest {

    private static final Struct METRICS = Struct.newBuilder()
            .putFields("step", Value.newBuilder().setNumberValue(42).build())
            .putFields("loss", Value.newBuilder().setNumberValue(3.25).build())
            .build();

    private final EventDecoder decoder = EventDecoder.of(Struct.getDefaultInstance(), ErrorInfo.getDefaultInstance());

    @Test
    void decodesEachExpectedTypeByItsHeader() {
        ErrorInfo info = ErrorInfo.newBuilder().setReason("RUN_DIVERGED").setDomain("optimesh.io").build();

        assertThat(decoder.types()).containsExactlyInAnyOrder("google.protobuf.Struct", "google.rpc.ErrorInfo");
        assertThat(decoder.decode(record("google.protobuf.Struct", "application/protobuf", METRICS.toByteArray())))
                .contains(METRICS);
        assertThat(decoder.decode(record("google.rpc.ErrorInfo", "application/protobuf", info.toByteArray())))
                .contains(info);
        assertThat(decoder.decode(record("google.rpc.ErrorInfo", null, info.toByteArray()), ErrorInfo.class))
                .contains(info);
        assertThat(decoder.decode(record("google.rpc.ErrorInfo", null, info.toByteArray()), Struct.class)).isEmpty();
    }

    @Test
    void skipsWhatItCannotReadInsteadOfThrowing() {
        byte[] value = METRICS.toByteArray();

        assertThat(decoder.decode(record("optimesh.v1.SomethingNewer", "application/protobuf", value))).isEmpty();
        assertThat(decoder.decode(record(null, "application/protobuf", value))).isEmpty();
        assertThat(decoder.decode(record("google.protobuf.Struct", "application/json", value))).isEmpty();
        assertThat(decoder.decode(record("google.protobuf.Struct", "application/protobuf", null))).isEmpty();
        // A truncated length-delimited field cannot parse.
        byte[] truncated = Arrays.copyOf(value, value.length - 3);
        assertThat(decoder.decode(record("google.protobuf.Struct", "application/protobuf", truncated))).isEmpty();
    }

    private static ConsumerRecord<String, byte[]> record(String type, String contentType, byte[] value) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topics.RUNS, 0, 7L, "runs/r1", value);
        if (type != null) {
            record.headers().add(CloudEventHeaders.TYPE, type.getBytes(StandardCharsets.UTF_8));
        }
        if (contentType != null) {
            record.headers().add(CloudEventHeaders.CONTENT_TYPE, contentType.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }
}
