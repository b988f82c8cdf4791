package io.optimesh.coordinator.study;

import com.google.protobuf.Timestamp;

import java.time.Instant;

/** Instants as protobuf timestamps and back. */
public final class Times {

    private Times() {}

    public static Timestamp toProto(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    public static Instant fromProto(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
