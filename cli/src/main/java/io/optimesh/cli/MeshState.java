package io.optimesh.cli;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code up} started, written to {@code mesh.json} so that {@code down}, {@code status} and
 * {@code logs} in a later invocation find the processes: pids, ports and when each process began,
 * which tells a recorded process from an unrelated one that later got the same pid.
 */
public record MeshState(String startedAt, String stateDir, String bootstrapServers, List<Entry> processes) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The process start times the JDK reports can differ by rounding between two reads. */
    private static final Duration START_TOLERANCE = Duration.ofSeconds(1);

    public MeshState {
        processes = List.copyOf(processes);
    }

    /**
     * One process of the mesh.
     *
     * @param name a service id or {@link MeshPlan#KAFKA}
     * @param processStart when the OS started it (ISO-8601), empty if the OS did not say
     * @param port where it listens (the broker's client port)
     * @param otherPorts further ports it holds (the broker's controller port)
     */
    public record Entry(String name, long pid, String processStart, int port, List<Integer> otherPorts) {
        public Entry {
            otherPorts = otherPorts == null ? List.of() : List.copyOf(otherPorts);
            processStart = processStart == null ? "" : processStart;
        }

        public static Entry of(String name, ProcessHandle process, int port, List<Integer> otherPorts) {
            String start = process.info().startInstant().map(Instant::toString).orElse("");
            return new Entry(name, process.pid(), start, port, otherPorts);
        }

        @JsonIgnore
        public boolean isKafka() {
            return MeshPlan.KAFKA.equals(name);
        }

        @JsonIgnore
        public List<Integer> allPorts() {
            List<Integer> all = new ArrayList<>();
            all.add(port);
            all.addAll(otherPorts);
            return all;
        }

        /** The live process this entry recorded, if it still runs (and is not a new one with its pid). */
        @JsonIgnore
        public Optional<ProcessHandle> process() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(this::startMatches);
        }

        private boolean startMatches(ProcessHandle handle) {
            if (processStart.isEmpty()) {
                return true;
            }
            Instant recorded = Instant.parse(processStart);
            return handle.info().startInstant()
                    .map(actual -> Duration.between(recorded, actual).abs().compareTo(START_TOLERANCE) <= 0)
                    .orElse(true);
        }
    }

    public static MeshState started(MeshLayout layout, String bootstrapServers) {
        return new MeshState(Instant.now().toString(), layout.stateDir().toString(), bootstrapServers, List.of());
    }

    public MeshState with(Entry entry) {
        List<Entry> all = new ArrayList<>(processes);
        all.removeIf(e -> e.name().equals(entry.name()));
        all.add(entry);
        return new MeshState(startedAt, stateDir, bootstrapServers, all);
    }

    public Optional<Entry> entry(String name) {
        return processes.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    public static Optional<MeshState> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), MeshState.class));
        } catch (IOException e) {
            throw new MeshException("cannot read " + file + " (" + e.getMessage() + "); if no mesh is running,"
                    + " delete it", e);
        }
    }

    /** Written whole to a temporary file and moved into place, so a reader never sees half a file. */
    public void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }
}
