package io.optimesh.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One concrete mesh: which services run, on which ports, against which broker, with what command
 * line and environment. Pure data, so the ports and settings can be checked without starting anything.
 */
public record MeshPlan(MeshLayout layout, List<MeshService> services, int basePort, int kafkaPort,
        int controllerPort) {

    public static final int DEFAULT_KAFKA_PORT = 9092;
    /** The name the broker goes by in mesh.json, the status table and its log file. */
    public static final String KAFKA = "kafka";
    /**
     * Everything listens on the loopback address only: a developer's mesh has no authentication, so it
     * stays off the network (the broker already does, being LocalKafkaBroker's choice).
     */
    public static final String HOST = "127.0.0.1";

    public MeshPlan {
        services = List.copyOf(services);
        if (services.isEmpty()) {
            throw new MeshException("a mesh needs at least one service");
        }
        checkPort("--base-port", basePort);
        checkPort("--base-port", basePort + MeshService.values().length - 1);
        checkPort("--kafka-port", kafkaPort);
        checkPort("--kafka-controller-port", controllerPort);
        Map<Integer, String> seen = new HashMap<>();
        for (Map.Entry<String, Integer> e : portsOf(services, basePort, kafkaPort, controllerPort).entrySet()) {
            String other = seen.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                throw new MeshException("port " + e.getValue() + " is planned for both " + other + " and "
                        + e.getKey() + "; choose other --base-port / --kafka-port values");
            }
        }
    }

    public static MeshPlan of(MeshLayout layout, List<MeshService> services, int basePort, int kafkaPort) {
        return new MeshPlan(layout, services, basePort, kafkaPort, kafkaPort + 1);
    }

    public int port(MeshService service) {
        return basePort + service.portOffset();
    }

    public String address(MeshService service) {
        return HOST + ":" + port(service);
    }

    public String bootstrapServers() {
        return HOST + ":" + kafkaPort;
    }

    /** Every port the mesh will listen on, named for the error message when one is taken. */
    public Map<String, Integer> ports() {
        return portsOf(services, basePort, kafkaPort, controllerPort);
    }

    private static Map<String, Integer> portsOf(List<MeshService> services, int basePort, int kafkaPort,
            int controllerPort) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put(KAFKA, kafkaPort);
        ports.put(KAFKA + " controller", controllerPort);
        for (MeshService s : services) {
            ports.put(s.id(), basePort + s.portOffset());
        }
        return ports;
    }

    /**
     * The service's settings as environment overrides of its application.properties: its address, the
     * broker, the state directory, plain-text logs, and where every peer it may call listens (also
     * peers not started).
     */
    public Map<String, String> environment(MeshService service) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_HTTP_HOST", HOST);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port(service)));
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
        env.put("OPTIMESH_STATE_DIR", layout.stateDir().toString());
        // The local logs are read by people through ./optimesh logs; JSON is for Kubernetes' collectors.
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.putAll(TORCH_ENVIRONMENT);
        for (MeshService peer : MeshService.values()) {
            peer.grpcClientName().ifPresent(client -> {
                String prefix = "QUARKUS_GRPC_CLIENTS_" + client.toUpperCase(Locale.ROOT);
                env.put(prefix + "_HOST", HOST);
                env.put(prefix + "_PORT", Integer.toString(port(peer)));
            });
        }
        return env;
    }

    /**
     * The environment every JVM that runs PyTorch gets, services and benchmarks alike. OpenMP
     * threads spin while idle unless told not to, which makes training steps several times slower
     * on a shared CPU; MKL otherwise uses fewer threads on a busy CPU, and picks kernels by the
     * memory alignment of each array (MKL_CBWR=AUTO: conditional numerical reproducibility), either
     * of which changes matmul rounding, so resumed runs would no longer repeat their uninterrupted
     * losses bit-exactly.
     */
    public static final Map<String, String> TORCH_ENVIRONMENT = Map.of("OMP_WAIT_POLICY", "PASSIVE",
            "MKL_DYNAMIC", "FALSE", "OMP_DYNAMIC", "FALSE", "MKL_CBWR", "AUTO");

    public List<String> command(MeshService service, Path java) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xmx" + service.heap());
        // Six JVMs share a laptop or a 2-core box: one GC thread each is plenty for these heaps.
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-jar");
        cmd.add(layout.serviceJar(service).toString());
        return cmd;
    }

    private static void checkPort(String option, int port) {
        if (port < 1 || port > 65535) {
            throw new MeshException(option + " gives port " + port + ", outside 1..65535");
        }
    }
}
