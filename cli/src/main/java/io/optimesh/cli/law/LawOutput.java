package io.optimesh.cli.law;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.optimesh.cli.MeshException;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.LawParameter;
import io.optimesh.v1.Schedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** JSON lines for machines, number formats for people, and law/schedule files in protobuf JSON. */
final class LawOutput {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LawOutput() {
    }

    /** One JSON object on one line. */
    static String line(Map<String, ?> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static String g4(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.3f%%", 100 * fraction);
    }

    static Map<String, Double> parameters(FittedLaw law) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (LawParameter p : law.getParametersList()) {
            out.put(p.getName(), p.getValue());
        }
        return out;
    }

    /** Writes a message as protobuf JSON (the form grpcurl and every protobuf library read). */
    static void save(Path file, Message message) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, JsonFormat.printer().print(message) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static FittedLaw readLaw(Path file) {
        FittedLaw.Builder law = FittedLaw.newBuilder();
        parse(file, law, "a fitted law (as ./optimesh law fit --save writes it)");
        return law.build();
    }

    static Schedule readSchedule(Path file) {
        Schedule.Builder schedule = Schedule.newBuilder();
        parse(file, schedule, "an optimesh.v1.Schedule, e.g. {\"totalSteps\": 1000, \"peakLr\": 0.001, \"cosine\": {}}");
        return schedule.build();
    }

    private static void parse(Path file, Message.Builder builder, String what) {
        try {
            JsonFormat.parser().merge(Files.readString(file, StandardCharsets.UTF_8), builder);
        } catch (IOException e) {
            String detail = e instanceof InvalidProtocolBufferException ? e.getMessage() : e.toString();
            throw new MeshException(file + ": not " + what + ": " + detail);
        }
    }
}
