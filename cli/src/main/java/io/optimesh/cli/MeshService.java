package io.optimesh.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The five services of the mesh, in start order, with their default ports and heap sizes. */
public enum MeshService {
    AGENT_COORDINATOR("agent-coordinator", 0, null, "384m"),
    TRAINER("trainer-svc", 1, "trainer", "1g"),
    OPTIMIZER("optimizer-svc", 2, "optimizer", "256m"),
    LAW("law-svc", 3, "law", "256m"),
    MERGE("merge-svc", 4, "merge", "512m");

    /** The coordinator's port; the others follow it, one each, in declaration order. */
    public static final int DEFAULT_BASE_PORT = 8080;

    private final String id;
    private final int portOffset;
    private final String grpcClientName;
    private final String heap;

    MeshService(String id, int portOffset, String grpcClientName, String heap) {
        this.id = id;
        this.portOffset = portOffset;
        this.grpcClientName = grpcClientName;
        this.heap = heap;
    }

    /** The service's name, which is also its module folder and its log file's name. */
    public String id() {
        return id;
    }

    public int portOffset() {
        return portOffset;
    }

    /** The name other services' Quarkus gRPC clients use for this one, if any call it. */
    public Optional<String> grpcClientName() {
        return Optional.ofNullable(grpcClientName);
    }

    /** The -Xmx the local mesh gives it: the trainer holds a model and batches, the rest little. */
    public String heap() {
        return heap;
    }

    public static Optional<MeshService> byId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(s -> s.id.equals(wanted) || s.id.equals(wanted + "-svc") || s.id.equals("agent-" + wanted))
                .findFirst();
    }

    /** Parses a comma-separated list such as {@code optimizer-svc,law} (the -svc and agent- affixes are optional). */
    public static List<MeshService> parseList(String csv) {
        List<MeshService> services = Arrays.stream(csv.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> byId(s).orElseThrow(() -> new MeshException(
                        "unknown service '" + s + "'; the services are " + idList())))
                .distinct()
                .sorted()
                .collect(Collectors.toList());
        if (services.isEmpty()) {
            throw new MeshException("no service named in '" + csv + "'; the services are " + idList());
        }
        return services;
    }

    public static String idList() {
        return Arrays.stream(values()).map(MeshService::id).collect(Collectors.joining(", "));
    }
}
