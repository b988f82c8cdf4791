package io.optimesh.core.testing;

import io.optimesh.core.mesh.LocalKafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts one real Kafka broker ({@link LocalKafkaBroker}, free ports, a temporary state directory)
 * for the whole test JVM and points {@code kafka.bootstrap.servers} at it. Use it with
 * {@code @QuarkusTestResource(KafkaBrokerTestResource.class)}; the test classpath must contain
 * {@code org.apache.kafka:kafka_2.13}.
 *
 * <p>The broker outlives single Quarkus application restarts (each test profile restarts the
 * application and its test resources): starting a broker costs tens of seconds, so {@link #stop()}
 * leaves it running and a JVM shutdown hook stops it and deletes its directory. The address is
 * kept in a system property rather than a static field because Quarkus may load this class in more
 * than one class loader during a test run.
 */
public class KafkaBrokerTestResource implements QuarkusTestResourceLifecycleManager {

    /** System property holding the shared broker's address once it runs. */
    public static final String BOOTSTRAP_PROPERTY = "optimesh.test.kafka.bootstrap-servers";

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", bootstrapServers());
    }

    @Override
    public void stop() {
        // Deliberately empty: the shared broker is stopped at JVM exit (see the class comment).
    }

    /** The address of the test JVM's broker, starting it on first use. */
    public static synchronized String bootstrapServers() {
        String running = System.getProperty(BOOTSTRAP_PROPERTY);
        if (running != null) {
            return running;
        }
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("optimesh-test-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalKafkaBroker broker = LocalKafkaBroker.builder(stateDir, System.getProperty("java.class.path"))
                .port(0)
                .controllerPort(0)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            deleteRecursively(stateDir);
        }, "optimesh-test-kafka-cleanup"));
        System.setProperty(BOOTSTRAP_PROPERTY, broker.bootstrapServers());
        return broker.bootstrapServers();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Only a leftover temporary directory; the JVM is exiting anyway.
        }
    }
}
