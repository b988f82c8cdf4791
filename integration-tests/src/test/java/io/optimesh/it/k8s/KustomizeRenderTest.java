package io.optimesh.it.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders every Kustomize overlay under {@code k8s/} with {@code kubectl kustomize} and checks the
 * objects it produces against the services' own configuration and against each other: ports, probes,
 * images, hardening, peer addresses, Kafka resources and, where the network-policy component is used,
 * that the policies allow exactly the calls the services are configured to make.
 */
class KustomizeRenderTest {

    /** The services and their one port each; a service's application.properties wins where it exists. */
    private static final Map<String, Integer> DEFAULT_PORTS = orderedMap(
            "agent-coordinator", 8080,
            "trainer-svc", 8081,
            "optimizer-svc", 8082,
            "law-svc", 8083,
            "merge-svc", 8084);

    /** Who calls whom over gRPC (architecture.md); configuration, probes aside, and policies must agree. */
    private static final Map<String, Set<String>> CALLS = Map.of(
            "agent-coordinator", Set.of("trainer-svc", "optimizer-svc", "law-svc", "merge-svc"),
            "trainer-svc", Set.of("optimizer-svc"),
            "optimizer-svc", Set.of(),
            "law-svc", Set.of(),
            "merge-svc", Set.of("trainer-svc"));

    private static final Set<String> TOPICS = Set.of(
            "optimesh.runs.v1", "optimesh.studies.v1", "optimesh.agents.v1",
            "optimesh.predictions.v1", "optimesh.merges.v1");

    private static final String NAMESPACE = "optimesh";
    private static final String IMAGE_REPOSITORY = "ghcr.io/optimesh/";
    private static final String NAME = "app.kubernetes.io/name";
    private static final String PART_OF = "app.kubernetes.io/part-of";
    private static final String VERSION = "app.kubernetes.io/version";
    private static final String GPU = "nvidia.com/gpu";

    /** What each rendered directory must contain beyond the checks every rendering passes. */
    private record Expect(boolean gpuTrainer, boolean networkPolicies, boolean singleNode) {}

    private static final Map<String, Expect> EXPECTATIONS = Map.of(
            "base", new Expect(false, false, false),
            "overlays/dev", new Expect(false, false, true),
            "overlays/gpu", new Expect(true, false, false),
            "overlays/prod", new Expect(false, true, false));

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Map<String, List<JsonNode>> RENDERED = new ConcurrentHashMap<>();
    private static Path k8s;

    @BeforeAll
    static void findKubectlAndManifests() {
        assumeTrue(onPath("kubectl"),
                "kubectl is not on the PATH: install kubectl (it has kustomize built in) to render and check k8s/");
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("k8s/base/kustomization.yaml"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a parent of the working directory holding k8s/base/kustomization.yaml").isNotNull();
        k8s = dir.resolve("k8s");
    }

    static Stream<String> renderings() {
        return EXPECTATIONS.keySet().stream().sorted();
    }

    @Test
    void everyOverlayIsCheckedHere() throws IOException {
        Set<String> found = new TreeSet<>();
        found.add("base");
        try (Stream<Path> overlays = Files.list(k8s.resolve("overlays"))) {
            overlays.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .forEach(d -> found.add("overlays/" + d.getFileName()));
        }
        assertThat(found).as("overlays on disk; add a new one to EXPECTATIONS").isEqualTo(EXPECTATIONS.keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyObjectIsNamedNamespacedAndLabelled(String dir) {
        List<JsonNode> objects = render(dir);
        String version = releaseVersion(objects);
        Set<String> seen = new TreeSet<>();
        for (JsonNode o : objects) {
            String id = o.path("kind").asText() + "/" + o.at("/metadata/name").asText();
            assertThat(o.path("apiVersion").asText()).as(id + " apiVersion").isNotBlank();
            assertThat(o.path("kind").asText()).as(id + " kind").isNotBlank();
            assertThat(o.at("/metadata/name").asText()).as(id + " metadata.name").isNotBlank();
            assertThat(seen.add(id)).as(id + " appears once").isTrue();
            if (o.path("kind").asText().equals("Namespace")) {
                assertThat(o.at("/metadata/name").asText()).isEqualTo(NAMESPACE);
            } else {
                assertThat(o.at("/metadata/namespace").asText()).as(id + " namespace").isEqualTo(NAMESPACE);
            }
            Map<String, String> labels = strings(o.at("/metadata/labels"));
            assertThat(labels).as(id + " labels").containsEntry(PART_OF, "optimesh");
            if (labels.containsKey(VERSION)) {
                assertThat(labels.get(VERSION)).as(id + " version label").isEqualTo(version);
            }
        }
        assertThat(seen).contains("Namespace/" + NAMESPACE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void eachServiceRunsItsImageOnItsPortWithGrpcProbes(String dir) {
        List<JsonNode> objects = render(dir);
        String version = releaseVersion(objects);
        assertThat(names(objects, "Deployment")).isEqualTo(new TreeSet<>(DEFAULT_PORTS.keySet()));
        for (String service : DEFAULT_PORTS.keySet()) {
            int port = port(service);
            JsonNode deployment = one(objects, "Deployment", service);
            JsonNode pod = deployment.at("/spec/template");
            assertThat(strings(deployment.at("/spec/selector/matchLabels"))).isEqualTo(Map.of(NAME, service));
            assertThat(strings(pod.at("/metadata/labels")))
                    .containsEntry(NAME, service).containsEntry(PART_OF, "optimesh").containsEntry(VERSION, version);
            assertThat(strings(pod.at("/metadata/annotations")))
                    .containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", String.valueOf(port))
                    .containsEntry("prometheus.io/path", "/q/metrics");

            JsonNode container = onlyContainer(deployment);
            assertThat(container.path("image").asText()).isEqualTo(IMAGE_REPOSITORY + service + ":" + version);
            JsonNode grpcPort = named(container.path("ports"), "grpc");
            assertThat(grpcPort.path("containerPort").asInt()).as(service + " grpc port").isEqualTo(port);
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                assertThat(container.path(probe).path("grpc").path("port").asInt())
                        .as(service + " " + probe + " is a gRPC probe on the service port").isEqualTo(port);
            }
            Map<String, String> env = env(container);
            assertThat(env).containsEntry("QUARKUS_HTTP_PORT", String.valueOf(port))
                    .containsEntry("QUARKUS_LOG_CONSOLE_JSON", "true");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyContainerIsLimitedAndHardened(String dir) {
        List<JsonNode> objects = render(dir);
        for (String service : DEFAULT_PORTS.keySet()) {
            JsonNode deployment = one(objects, "Deployment", service);
            JsonNode podSpec = deployment.at("/spec/template/spec");
            JsonNode container = onlyContainer(deployment);
            JsonNode resources = container.path("resources");
            for (String resource : List.of("cpu", "memory")) {
                BigDecimal request = quantity(resources.path("requests").path(resource), service + " request " + resource);
                BigDecimal limit = quantity(resources.path("limits").path(resource), service + " limit " + resource);
                assertThat(request).as(service + " " + resource + " request within its limit").isLessThanOrEqualTo(limit);
            }

            JsonNode pod = podSpec.path("securityContext");
            JsonNode own = container.path("securityContext");
            assertThat(effective(own, pod, "runAsNonRoot").asBoolean()).as(service + " runAsNonRoot").isTrue();
            assertThat(effective(own, pod, "seccompProfile").path("type").asText()).as(service + " seccomp")
                    .isEqualTo("RuntimeDefault");
            assertThat(own.path("readOnlyRootFilesystem").asBoolean()).as(service + " read-only root").isTrue();
            assertThat(own.path("allowPrivilegeEscalation").asBoolean(true)).as(service + " no privilege escalation").isFalse();
            assertThat(texts(own.at("/capabilities/drop"))).as(service + " drops capabilities").contains("ALL");
            assertThat(own.path("privileged").asBoolean(false)).isFalse();

            JsonNode tmp = mountAt(container, "/tmp");
            assertThat(named(podSpec.path("volumes"), tmp.path("name").asText()).has("emptyDir"))
                    .as(service + " writes /tmp to an emptyDir").isTrue();

            assertThat(podSpec.path("automountServiceAccountToken").asBoolean(true)).as(service + " token").isFalse();
            String account = podSpec.path("serviceAccountName").asText();
            assertThat(one(objects, "ServiceAccount", account).path("automountServiceAccountToken").asBoolean(true))
                    .as(account + " token").isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void servicesExposeTheGrpcPortOfTheirPods(String dir) {
        List<JsonNode> objects = render(dir);
        for (String service : DEFAULT_PORTS.keySet()) {
            JsonNode svc = one(objects, "Service", service);
            JsonNode port = named(svc.at("/spec/ports"), "grpc");
            assertThat(port.path("port").asInt()).as(service + " Service port").isEqualTo(port(service));
            JsonNode target = port.path("targetPort");
            assertThat(target.isTextual() ? target.asText() : String.valueOf(target.asInt()))
                    .as(service + " targets the container's grpc port").isIn("grpc", String.valueOf(port(service)));
            Map<String, String> selector = strings(svc.at("/spec/selector"));
            assertThat(selector).isNotEmpty();
            List<String> selected = objects.stream().filter(o -> o.path("kind").asText().equals("Deployment"))
                    .filter(d -> matchesLabels(selector, strings(d.at("/spec/template/metadata/labels"))))
                    .map(d -> d.at("/metadata/name").asText()).toList();
            assertThat(selected).as(service + " selects exactly its own pods").containsExactly(service);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void peersAndKafkaAreAddressedThroughTheirServices(String dir) {
        List<JsonNode> objects = render(dir);
        String bootstrap = kafkaBootstrap(objects);
        Pattern client = Pattern.compile("QUARKUS_GRPC_CLIENTS_([A-Z0-9_]+)_HOST");
        for (String service : DEFAULT_PORTS.keySet()) {
            Map<String, String> env = env(onlyContainer(one(objects, "Deployment", service)));
            assertThat(env).as(service + " Kafka").containsEntry("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            Set<String> peers = new TreeSet<>();
            env.forEach((key, host) -> {
                Matcher m = client.matcher(key);
                if (m.matches()) {
                    String portKey = "QUARKUS_GRPC_CLIENTS_" + m.group(1) + "_PORT";
                    assertThat(env).as(service + " " + portKey).containsKey(portKey);
                    assertThat(DEFAULT_PORTS).as(service + " calls a mesh service").containsKey(host);
                    assertThat(Integer.parseInt(env.get(portKey))).as(service + " -> " + host).isEqualTo(port(host));
                    assertThat(named(one(objects, "Service", host).at("/spec/ports"), "grpc").path("port").asInt())
                            .isEqualTo(port(host));
                    peers.add(host);
                }
            });
            assertThat(peers).as(service + " gRPC clients").isEqualTo(CALLS.get(service));
        }
        // The coordinator replays the study log and then drives studies: never two at once.
        JsonNode coordinator = one(objects, "Deployment", "agent-coordinator");
        assertThat(coordinator.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(coordinator.at("/spec/strategy/type").asText()).isEqualTo("Recreate");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void trainerAndMergeShareTheCheckpointClaim(String dir) {
        List<JsonNode> objects = render(dir);
        Set<String> claims = new TreeSet<>();
        for (String service : List.of("trainer-svc", "merge-svc")) {
            JsonNode deployment = one(objects, "Deployment", service);
            JsonNode container = onlyContainer(deployment);
            String stateDir = env(container).get("OPTIMESH_STATE_DIR");
            assertThat(stateDir).as(service + " OPTIMESH_STATE_DIR").isNotBlank();
            JsonNode mount = mountAt(container, stateDir);
            JsonNode volume = named(deployment.at("/spec/template/spec/volumes"), mount.path("name").asText());
            claims.add(volume.at("/persistentVolumeClaim/claimName").asText());
            assertThat(stateDir).isEqualTo("/var/lib/optimesh");
        }
        assertThat(claims).as("one claim for both").hasSize(1);
        JsonNode claim = one(objects, "PersistentVolumeClaim", claims.iterator().next());
        assertThat(texts(claim.at("/spec/accessModes"))).isNotEmpty();
        if (!EXPECTATIONS.get(dir).singleNode()) {
            // Off a single node, the two pods may be scheduled apart.
            assertThat(texts(claim.at("/spec/accessModes"))).containsExactly("ReadWriteMany");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void strimziRunsKafkaInKraftModeWithEveryTopic(String dir) {
        List<JsonNode> objects = render(dir);
        List<JsonNode> kafkas = kind(objects, "Kafka");
        assertThat(kafkas).hasSize(1);
        JsonNode kafka = kafkas.get(0);
        String cluster = kafka.at("/metadata/name").asText();
        assertThat(strings(kafka.at("/metadata/annotations")))
                .containsEntry("strimzi.io/kraft", "enabled").containsEntry("strimzi.io/node-pools", "enabled");
        assertThat(kafka.at("/spec/entityOperator").has("topicOperator")).as("Topic Operator for the KafkaTopics").isTrue();

        List<JsonNode> pools = kind(objects, "KafkaNodePool");
        assertThat(pools).isNotEmpty();
        int brokers = 0;
        boolean controller = false;
        for (JsonNode pool : pools) {
            assertThat(strings(pool.at("/metadata/labels"))).containsEntry("strimzi.io/cluster", cluster);
            Set<String> roles = texts(pool.at("/spec/roles"));
            controller |= roles.contains("controller");
            if (roles.contains("broker")) {
                brokers += pool.at("/spec/replicas").asInt();
            }
        }
        assertThat(controller).as("a KRaft controller pool").isTrue();
        Expect expect = EXPECTATIONS.get(dir);
        if (expect.singleNode()) {
            assertThat(brokers).isEqualTo(1);
            assertThat(pools).allSatisfy(p -> assertThat(p.at("/spec/storage/type").asText()).isEqualTo("ephemeral"));
        } else {
            assertThat(brokers).isEqualTo(3);
            assertThat(pools).allSatisfy(p -> assertThat(p.at("/spec/storage/type").asText()).isEqualTo("persistent-claim"));
        }
        JsonNode config = kafka.at("/spec/kafka/config");
        for (String factor : List.of("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor")) {
            assertThat(config.path(factor).asInt()).as(factor).isBetween(1, brokers);
        }
        assertThat(config.path("min.insync.replicas").asInt()).isLessThanOrEqualTo(config.path("default.replication.factor").asInt());

        Map<String, JsonNode> topics = new TreeMap<>();
        for (JsonNode topic : kind(objects, "KafkaTopic")) {
            assertThat(strings(topic.at("/metadata/labels"))).containsEntry("strimzi.io/cluster", cluster);
            String name = topic.at("/spec/topicName").asText(topic.at("/metadata/name").asText());
            topics.put(name, topic);
            int replicas = topic.at("/spec/replicas").asInt();
            int minInsync = topic.at("/spec/config/min.insync.replicas").asInt();
            assertThat(replicas).as(name + " replicas").isBetween(1, brokers);
            assertThat(minInsync).as(name + " min.insync.replicas").isBetween(1, replicas);
            if (replicas > 1) {
                assertThat(minInsync).as(name + " survives one broker down").isLessThan(replicas);
            }
            assertThat(topic.at("/spec/partitions").asInt()).isPositive();
        }
        assertThat(topics.keySet()).isEqualTo(new TreeSet<>(TOPICS));
        JsonNode studies = topics.get("optimesh.studies.v1").at("/spec/config");
        assertThat(studies.path("cleanup.policy").asText()).as("the study log keeps every event").isEqualTo("delete");
        assertThat(studies.path("retention.ms").asLong()).as("the study log never expires").isEqualTo(-1L);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void onlyTheGpuOverlayAsksForAGpu(String dir) {
        List<JsonNode> objects = render(dir);
        for (String service : DEFAULT_PORTS.keySet()) {
            JsonNode deployment = one(objects, "Deployment", service);
            JsonNode container = onlyContainer(deployment);
            JsonNode gpus = container.at("/resources/limits").path(GPU);
            boolean wantsGpu = EXPECTATIONS.get(dir).gpuTrainer() && service.equals("trainer-svc");
            if (wantsGpu) {
                assertThat(gpus.asText()).as("trainer GPU limit").isEqualTo("1");
                assertThat(env(container)).containsEntry("OPTIMESH_TRAINER_DEVICE", "gpu");
                JsonNode podSpec = deployment.at("/spec/template/spec");
                assertThat(strings(podSpec.path("nodeSelector"))).containsEntry(GPU + ".present", "true");
                assertThat(podSpec.path("tolerations")).anySatisfy(t -> assertThat(t.path("key").asText()).isEqualTo(GPU));
            } else {
                assertThat(gpus.isMissingNode()).as(service + " asks for no GPU").isTrue();
                assertThat(env(container)).doesNotContainKey("OPTIMESH_TRAINER_DEVICE");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void replicasAndDisruptionBudgetsAgree(String dir) {
        List<JsonNode> objects = render(dir);
        Map<String, Integer> replicas = new TreeMap<>();
        kind(objects, "Deployment").forEach(d -> replicas.put(d.at("/metadata/name").asText(), d.at("/spec/replicas").asInt(1)));
        Set<String> budgeted = new TreeSet<>();
        for (JsonNode pdb : kind(objects, "PodDisruptionBudget")) {
            Map<String, String> selector = strings(pdb.at("/spec/selector/matchLabels"));
            List<String> selected = kind(objects, "Deployment").stream()
                    .filter(d -> matchesLabels(selector, strings(d.at("/spec/template/metadata/labels"))))
                    .map(d -> d.at("/metadata/name").asText()).toList();
            assertThat(selected).as(pdb.at("/metadata/name").asText() + " covers one Deployment").hasSize(1);
            // A budget on a single replica could never be met and would block every node drain.
            assertThat(replicas.get(selected.get(0))).as(selected.get(0) + " replicas under a budget").isGreaterThan(1);
            budgeted.add(selected.get(0));
        }
        Set<String> scaled = replicas.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(budgeted).as("every scaled-out service has a disruption budget").isEqualTo(scaled);
        if (EXPECTATIONS.get(dir).singleNode()) {
            assertThat(scaled).isEmpty();
        }
        if (EXPECTATIONS.get(dir).networkPolicies()) {
            assertThat(scaled).as("production scales the stateless services").contains("optimizer-svc", "law-svc");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void networkPoliciesAllowExactlyTheConfiguredCalls(String dir) {
        List<JsonNode> objects = render(dir);
        List<JsonNode> policies = kind(objects, "NetworkPolicy");
        if (!EXPECTATIONS.get(dir).networkPolicies()) {
            assertThat(policies).as("network policies are opt-in").isEmpty();
            return;
        }
        Map<String, String> ns = new HashMap<>(strings(one(objects, "Namespace", NAMESPACE).at("/metadata/labels")));
        ns.put("kubernetes.io/metadata.name", NAMESPACE);
        Map<String, Pod> pods = new LinkedHashMap<>();
        for (String service : DEFAULT_PORTS.keySet()) {
            pods.put(service, new Pod(ns, strings(one(objects, "Deployment", service).at("/spec/template/metadata/labels"))));
        }
        for (String from : pods.keySet()) {
            for (String to : pods.keySet()) {
                if (from.equals(to)) {
                    continue;
                }
                int port = port(to);
                boolean configured = CALLS.get(from).contains(to);
                assertThat(allowed(policies, "Egress", pods.get(from), pods.get(to), port, "TCP"))
                        .as(from + " may send to " + to).isEqualTo(configured);
                assertThat(allowed(policies, "Ingress", pods.get(to), pods.get(from), port, "TCP"))
                        .as(to + " accepts " + from).isEqualTo(configured);
            }
        }

        String cluster = kind(objects, "Kafka").get(0).at("/metadata/name").asText();
        Pod broker = new Pod(ns, Map.of("strimzi.io/cluster", cluster, "strimzi.io/kind", "Kafka",
                "strimzi.io/name", cluster + "-kafka", "strimzi.io/broker-role", "true", "strimzi.io/controller-role", "true"));
        Pod dns = new Pod(Map.of("kubernetes.io/metadata.name", "kube-system"), Map.of("k8s-app", "kube-dns"));
        Pod stranger = new Pod(ns, Map.of("app", "debug"));
        Pod client = new Pod(Map.of("kubernetes.io/metadata.name", "tools"), Map.of("optimesh.io/client", "true"));
        Pod prometheus = new Pod(Map.of("kubernetes.io/metadata.name", "monitoring"), Map.of("app", "prometheus"));
        JsonNode listener = kind(objects, "Kafka").get(0).at("/spec/kafka/listeners").get(0);
        int kafkaPort = listener.path("port").asInt();
        for (var e : pods.entrySet()) {
            String service = e.getKey();
            Pod pod = e.getValue();
            assertThat(allowed(policies, "Egress", pod, broker, kafkaPort, "TCP")).as(service + " -> Kafka").isTrue();
            assertThat(allowed(policies, "Egress", pod, dns, 53, "UDP")).as(service + " -> DNS").isTrue();
            assertThat(allowed(policies, "Egress", pod, stranger, 443, "TCP")).as(service + " -> elsewhere").isFalse();
            assertThat(allowed(policies, "Ingress", pod, stranger, port(service), "TCP")).as("stranger -> " + service).isFalse();
            assertThat(allowed(policies, "Ingress", pod, prometheus, port(service), "TCP")).as("scrape " + service).isTrue();
            // Strimzi writes the broker-side policy from the listener's peers.
            assertThat(listener.path("networkPolicyPeers")).as("Kafka accepts " + service)
                    .anySatisfy(peer -> assertThat(peerMatches(peer, NAMESPACE, pod)).isTrue());
        }
        assertThat(listener.path("networkPolicyPeers")).noneSatisfy(peer -> assertThat(peerMatches(peer, NAMESPACE, stranger)).isTrue());
        assertThat(allowed(policies, "Ingress", pods.get("agent-coordinator"), client, port("agent-coordinator"), "TCP"))
                .as("labelled clients reach the front door").isTrue();
        assertThat(allowed(policies, "Ingress", pods.get("agent-coordinator"), stranger, port("agent-coordinator"), "TCP"))
                .as("unlabelled pods do not").isFalse();
        assertThat(allowed(policies, "Ingress", broker, stranger, kafkaPort, "TCP"))
                .as("deny-all isolates every pod, Kafka's included").isFalse();
    }

    // ---- rendering and lookup ----

    private static List<JsonNode> render(String dir) {
        return RENDERED.computeIfAbsent(dir, KustomizeRenderTest::kustomize);
    }

    private static List<JsonNode> kustomize(String dir) {
        try {
            File errors = File.createTempFile("kustomize", ".err");
            errors.deleteOnExit();
            Process process = new ProcessBuilder("kubectl", "kustomize", k8s.resolve(dir).toString())
                    .redirectError(errors).start();
            byte[] out;
            try (InputStream in = process.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("kubectl kustomize " + dir + " did not finish in 60 s");
            }
            assertThat(process.exitValue()).as("kubectl kustomize %s: %s", dir,
                    Files.readString(errors.toPath(), StandardCharsets.UTF_8)).isZero();
            List<JsonNode> objects = new ArrayList<>();
            try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(out)) {
                while (docs.hasNext()) {
                    JsonNode doc = docs.next();
                    if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                        objects.add(doc);
                    }
                }
            }
            assertThat(objects).as(dir + " renders objects").isNotEmpty();
            return objects;
        } catch (IOException e) {
            throw new IllegalStateException("kubectl kustomize " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator))
                .map(p -> Path.of(p, command)).anyMatch(Files::isExecutable);
    }

    /** The port a service listens on: its application.properties where it exists, else the table above. */
    private static int port(String service) {
        Path properties = k8s.getParent().resolve(service).resolve("src/main/resources/application.properties");
        if (!Files.isRegularFile(properties)) {
            return DEFAULT_PORTS.get(service);
        }
        Properties config = new Properties();
        try (InputStream in = Files.newInputStream(properties)) {
            config.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(properties.toString(), e);
        }
        String value = config.getProperty("quarkus.http.port");
        assertThat(value).as(properties + " sets quarkus.http.port").isNotBlank();
        // Either a number or an expression with a numeric default: ${SOME_PORT:8081}.
        Matcher expression = Pattern.compile("\\$\\{[^}]*:(\\d+)}").matcher(value.trim());
        return Integer.parseInt(expression.matches() ? expression.group(1) : value.trim());
    }

    /** The one release version: the version label, which every image tag must equal. */
    private static String releaseVersion(List<JsonNode> objects) {
        String version = one(objects, "Namespace", NAMESPACE).at("/metadata/labels").path(VERSION).asText();
        assertThat(version).as("release version label").matches("\\d+\\.\\d+\\.\\d+");
        return version;
    }

    private static String kafkaBootstrap(List<JsonNode> objects) {
        JsonNode kafka = kind(objects, "Kafka").get(0);
        JsonNode plain = kafka.at("/spec/kafka/listeners").get(0);
        assertThat(plain.path("tls").asBoolean(true)).as("first listener is plain").isFalse();
        return kafka.at("/metadata/name").asText() + "-kafka-bootstrap:" + plain.path("port").asInt();
    }

    private static List<JsonNode> kind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    private static Set<String> names(List<JsonNode> objects, String kind) {
        return kind(objects, kind).stream().map(o -> o.at("/metadata/name").asText())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static JsonNode one(List<JsonNode> objects, String kind, String name) {
        List<JsonNode> found = kind(objects, kind).stream()
                .filter(o -> o.at("/metadata/name").asText().equals(name)).toList();
        assertThat(found).as(kind + "/" + name).hasSize(1);
        return found.get(0);
    }

    private static JsonNode onlyContainer(JsonNode deployment) {
        JsonNode containers = deployment.at("/spec/template/spec/containers");
        assertThat(containers.size()).as(deployment.at("/metadata/name").asText() + " containers").isEqualTo(1);
        return containers.get(0);
    }

    private static JsonNode named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (item.path("name").asText().equals(name)) {
                return item;
            }
        }
        return fail("no entry named " + name + " in " + list);
    }

    private static JsonNode mountAt(JsonNode container, String path) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals(path)) {
                return mount;
            }
        }
        return fail(container.path("name").asText() + " mounts nothing at " + path);
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new TreeMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        return env;
    }

    private static JsonNode effective(JsonNode container, JsonNode pod, String field) {
        return container.has(field) ? container.path(field) : pod.path(field);
    }

    private static Map<String, String> strings(JsonNode map) {
        Map<String, String> out = new TreeMap<>();
        map.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static Set<String> texts(JsonNode list) {
        Set<String> out = new TreeSet<>();
        list.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static final Map<String, BigDecimal> SUFFIXES = Map.of(
            "m", new BigDecimal("0.001"), "k", BigDecimal.valueOf(1_000L), "M", BigDecimal.valueOf(1_000_000L),
            "G", BigDecimal.valueOf(1_000_000_000L), "Ki", BigDecimal.valueOf(1L << 10), "Mi", BigDecimal.valueOf(1L << 20),
            "Gi", BigDecimal.valueOf(1L << 30), "Ti", BigDecimal.valueOf(1L << 40));

    /** A Kubernetes resource quantity ("250m", "2", "512Mi") as a number. */
    private static BigDecimal quantity(JsonNode node, String what) {
        assertThat(node.isMissingNode() || node.isNull()).as(what + " is set").isFalse();
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)([a-zA-Z]*)").matcher(node.asText());
        assertThat(m.matches()).as(what + " is a quantity: " + node.asText()).isTrue();
        String suffix = m.group(2);
        assertThat(suffix.isEmpty() || SUFFIXES.containsKey(suffix)).as(what + " suffix " + suffix).isTrue();
        return new BigDecimal(m.group(1)).multiply(suffix.isEmpty() ? BigDecimal.ONE : SUFFIXES.get(suffix));
    }

    // ---- NetworkPolicy semantics, enough to follow the policies above ----

    /** A pod as a policy sees it: its namespace's labels and its own. */
    private record Pod(Map<String, String> namespaceLabels, Map<String, String> labels) {}

    /**
     * Whether traffic is allowed on {@code subject}'s side: its Egress to {@code peer}, or its Ingress from
     * {@code peer}. A pod that no policy of that direction selects is not isolated; one that is, gets
     * only what some rule of some selecting policy allows.
     */
    private static boolean allowed(List<JsonNode> policies, String direction, Pod subject, Pod peer, int port, String protocol) {
        String subjectNamespace = subject.namespaceLabels().get("kubernetes.io/metadata.name");
        List<JsonNode> selecting = policies.stream()
                .filter(p -> p.at("/metadata/namespace").asText().equals(subjectNamespace))
                .filter(p -> selects(p.at("/spec/podSelector"), subject.labels()))
                .filter(p -> policyTypes(p).contains(direction))
                .toList();
        if (selecting.isEmpty()) {
            return true;
        }
        String rules = direction.equals("Ingress") ? "ingress" : "egress";
        String peers = direction.equals("Ingress") ? "from" : "to";
        for (JsonNode policy : selecting) {
            for (JsonNode rule : policy.at("/spec").path(rules)) {
                JsonNode allowedPeers = rule.path(peers);
                boolean peerOk = allowedPeers.isEmpty();
                for (JsonNode p : allowedPeers) {
                    peerOk |= peerMatches(p, subjectNamespace, peer);
                }
                JsonNode ports = rule.path("ports");
                boolean portOk = ports.isEmpty();
                for (JsonNode p : ports) {
                    portOk |= p.path("protocol").asText("TCP").equals(protocol)
                            && (!p.has("port") || p.path("port").asInt() == port);
                }
                if (peerOk && portOk) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Set<String> policyTypes(JsonNode policy) {
        JsonNode types = policy.at("/spec/policyTypes");
        if (!types.isMissingNode()) {
            return texts(types);
        }
        return policy.at("/spec").has("egress") ? Set.of("Ingress", "Egress") : Set.of("Ingress");
    }

    /** A NetworkPolicyPeer of a policy in {@code policyNamespace}; IP blocks never match a pod here. */
    private static boolean peerMatches(JsonNode peer, String policyNamespace, Pod pod) {
        if (peer.has("ipBlock")) {
            return false;
        }
        boolean namespaceOk = peer.has("namespaceSelector")
                ? selects(peer.path("namespaceSelector"), pod.namespaceLabels())
                : policyNamespace.equals(pod.namespaceLabels().get("kubernetes.io/metadata.name"));
        return namespaceOk && (!peer.has("podSelector") || selects(peer.path("podSelector"), pod.labels()));
    }

    private static boolean selects(JsonNode selector, Map<String, String> labels) {
        if (!matchesLabels(strings(selector.path("matchLabels")), labels)) {
            return false;
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = expression.path("key").asText();
            Set<String> values = texts(expression.path("values"));
            boolean ok = switch (expression.path("operator").asText()) {
                case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
                case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
                case "Exists" -> labels.containsKey(key);
                case "DoesNotExist" -> !labels.containsKey(key);
                default -> fail("unknown selector operator " + expression);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean matchesLabels(Map<String, String> wanted, Map<String, String> labels) {
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static Map<String, Integer> orderedMap(Object... keysAndValues) {
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (Integer) keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
