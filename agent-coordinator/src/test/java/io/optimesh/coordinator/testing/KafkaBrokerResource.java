package io.optimesh.coordinator.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller) for @QuarkusTest: formats
 * its storage with kafka.tools.StorageTool and runs kafka.Kafka as a child JVM on the test
 * classpath, waits until it answers, and sets {@code kafka.bootstrap.servers}.
 *
 * <p>Stands in until optimesh-core's KafkaBrokerTestResource is available; then this class goes.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

  private Path dir;
  private Process broker;

  @Override
  public Map<String, String> start() {
    try {
      dir = Files.createTempDirectory("coordinator-kafka");
      int port = freePort();
      int controllerPort = freePort();
      Path config = dir.resolve("server.properties");
      Properties p = new Properties();
      p.setProperty("process.roles", "broker,controller");
      p.setProperty("node.id", "1");
      p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      p.setProperty(
          "listeners",
          "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
      p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
      p.setProperty("controller.listener.names", "CONTROLLER");
      p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      p.setProperty("log.dirs", dir.resolve("data").toString());
      p.setProperty("num.partitions", "3");
      p.setProperty("offsets.topic.replication.factor", "1");
      p.setProperty("transaction.state.log.replication.factor", "1");
      p.setProperty("transaction.state.log.min.isr", "1");
      p.setProperty("group.initial.rebalance.delay.ms", "0");
      try (var out = Files.newBufferedWriter(config)) {
        p.store(out, "test broker");
      }
      Path log = dir.resolve("broker.log");
      int formatted =
          java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
                  config.toString())
              .redirectOutput(log.toFile())
              .start()
              .waitFor();
      if (formatted != 0) {
        throw new IllegalStateException("kafka storage format failed: " + Files.readString(log));
      }
      broker =
          java("kafka.Kafka", config.toString())
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      String bootstrap = "127.0.0.1:" + port;
      awaitReady(bootstrap, log);
      return Map.of("kafka.bootstrap.servers", bootstrap);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private ProcessBuilder java(String mainClass, String... args) {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        Stream.concat(
                Stream.of(
                    javaBin.toString(),
                    "-Xmx384m",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    mainClass),
                Stream.of(args))
            .toList();
    return new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
  }

  private void awaitReady(String bootstrap, Path log) throws InterruptedException, IOException {
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
    while (Instant.now().isBefore(deadline)) {
      if (!broker.isAlive()) {
        throw new IllegalStateException("kafka broker exited: " + Files.readString(log));
      }
      try (Admin admin = Admin.create(config)) {
        admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        Thread.sleep(250);
      }
    }
    throw new IllegalStateException(
        "kafka broker not ready within " + STARTUP_TIMEOUT + ": " + Files.readString(log));
  }

  @Override
  public void stop() {
    if (broker != null) {
      broker.destroy();
      try {
        if (!broker.waitFor(20, TimeUnit.SECONDS)) {
          broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
