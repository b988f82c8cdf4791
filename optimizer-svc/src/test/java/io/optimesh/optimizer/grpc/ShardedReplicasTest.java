package io.optimesh.optimizer.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.optimesh.core.grpc.ValidatingServerInterceptor;
import io.optimesh.core.optim.Adam;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.core.optim.remote.ParameterSharding;
import io.optimesh.core.optim.remote.RemoteOptimizer;
import io.optimesh.optimizer.schedule.ScheduleLibrary;
import io.optimesh.optimizer.state.StateStore;
import io.optimesh.v1.OptimizerSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two optimizer-svc replicas (each its own server and state store) serve one run, as one would. */
class ShardedReplicasTest {

    private static final OptimizerSpec SPEC = OptimizerSpec.newBuilder()
            .setAlgorithm("adamw").setWeightDecay(0.1).setGradientClipNorm(1.0).build();

    // One validator for every replica: building its rules is the slow part of starting one.
    private static final ValidatingServerInterceptor VALIDATION = new ValidatingServerInterceptor();

    @TempDir
    Path dir;

    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<StateStore> stores = new ArrayList<>();

    /** A fresh replica: a server with its own empty state store, and a channel to it. */
    private ManagedChannel replica() throws Exception {
        String name = "optimizer-" + UUID.randomUUID();
        StateStore store = new StateStore(1 << 26, dir.resolve(name), 2);
        stores.add(store);
        servers.add(InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(
                        new OptimizerGrpcService(new ScheduleLibrary(1000, 1000), store),
                        VALIDATION))
                .build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return channel;
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
    }

    /** A small GPT's tensors: name, shape, and whether weight decay applies. */
    private static List<RemoteOptimizer.Parameter> model(Random random) {
        List<RemoteOptimizer.Parameter> parameters = new ArrayList<>();
        parameters.add(parameter(random, "embed.weight", new int[] {64, 16}, false));
        for (int l = 0; l < 3; l++) {
            parameters.add(parameter(random, "blocks." + l + ".attn.qkv.weight", new int[] {48, 16}, true));
            parameters.add(parameter(random, "blocks." + l + ".attn.proj.weight", new int[] {16, 16}, true));
            parameters.add(parameter(random, "blocks." + l + ".mlp.fc.weight", new int[] {64, 16}, true));
            parameters.add(parameter(random, "blocks." + l + ".ln.weight", new int[] {16}, false));
        }
        return parameters;
    }

    private static RemoteOptimizer.Parameter parameter(Random random, String name, int[] shape, boolean decay) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return new RemoteOptimizer.Parameter(name, shape, decay, gaussian(random, n, 0.02f));
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    private static Map<String, float[]> copy(List<RemoteOptimizer.Parameter> parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach(p -> values.put(p.name(), p.initialValues().clone()));
        return values;
    }

    /** Step {@code step}'s gradients: the same for every placement. */
    private static Map<String, float[]> gradients(List<RemoteOptimizer.Parameter> parameters, int step) {
        Random random = new Random(1000 + step);
        Map<String, float[]> g = new LinkedHashMap<>();
        for (RemoteOptimizer.Parameter p : parameters) {
            g.put(p.name(), gaussian(random, p.initialValues().length, 0.01f));
        }
        return g;
    }

    @Test
    void twoReplicasGiveTheSingleReplicasAndTheInProcessUpdatesBitForBit() throws Exception {
        List<RemoteOptimizer.Parameter> model = model(new Random(7));
        ManagedChannel single = replica();
        List<ManagedChannel> pair = List.of(replica(), replica());
        RemoteOptimizer one = RemoteOptimizer.create(List.of(single), "run", SPEC, model);
        RemoteOptimizer two = RemoteOptimizer.create(pair, "run", SPEC, model);

        // Both replicas hold a share, each exactly the tensors the sharding function gives it.
        long[] shares = new long[2];
        for (RemoteOptimizer.Parameter p : model) {
            shares[ParameterSharding.shardOf(p.name(), 2)]++;
        }
        assertThat(shares[0]).isPositive();
        assertThat(shares[1]).isPositive();
        for (int i = 0; i < 2; i++) {
            assertThat(stores.get(1 + i).get(two.stateNames().get(i)).describe().getTensorCount()).isEqualTo(shares[i]);
        }

        Map<String, float[]> viaOne = copy(model);
        Map<String, float[]> viaTwo = copy(model);
        Map<String, float[]> inProcess = copy(model);
        Map<String, float[][]> states = new LinkedHashMap<>();
        model.forEach(p -> states.put(p.name(), Adam.adamW().newState(p.shape())));
        UpdateRule rule = Adam.adamW().configure(Map.of());
        for (int step = 1; step <= 5; step++) {
            Map<String, float[]> g = gradients(model, step);
            double lr = 1e-3 * step;
            double normOne = one.step(lr, g, viaOne);
            double normTwo = two.step(lr, g, viaTwo);
            for (RemoteOptimizer.Parameter p : model) {
                rule.apply(inProcess.get(p.name()), g.get(p.name()), p.shape(), states.get(p.name()), step, lr,
                        p.decay() ? 0.1 : 0.0);
            }
            for (RemoteOptimizer.Parameter p : model) {
                assertThat(viaTwo.get(p.name())).as("%s at step %d", p.name(), step).containsExactly(viaOne.get(p.name()));
                assertThat(viaOne.get(p.name())).as("%s at step %d", p.name(), step).containsExactly(inProcess.get(p.name()));
            }
            assertThat(normTwo).isCloseTo(normOne, org.assertj.core.api.Assertions.within(1e-12 * normOne));
            assertThat(normOne).isPositive();
        }
        assertThat(two.step()).isEqualTo(5);

        // Snapshot both shards; fresh replicas restore them and continue exactly as the originals.
        List<String> snapshot = two.snapshot();
        assertThat(snapshot).hasSize(2).allMatch(uri -> uri.endsWith("step-000000005.safetensors"));
        RemoteOptimizer resumed = RemoteOptimizer.restore(List.of(replica(), replica()), snapshot, "resumed");
        assertThat(resumed.step()).isEqualTo(5);
        Map<String, float[]> viaResumed = new LinkedHashMap<>();
        viaTwo.forEach((name, values) -> viaResumed.put(name, values.clone()));
        for (int step = 6; step <= 7; step++) {
            Map<String, float[]> g = gradients(model, step);
            two.step(1e-3, g, viaTwo);
            resumed.step(1e-3, g, viaResumed);
            for (RemoteOptimizer.Parameter p : model) {
                assertThat(viaResumed.get(p.name())).as("%s at step %d", p.name(), step).containsExactly(viaTwo.get(p.name()));
            }
        }

        two.delete();
        assertThat(stores.get(1).heldBytes()).isZero();
        assertThat(stores.get(2).heldBytes()).isZero();
    }

    /**
     * What the trainer's checkpoint retention does with a retired checkpoint's snapshots: each replica
     * deletes the file it wrote, a second call finds nothing, and a replica refuses a file it did not
     * write (the list in the wrong order) without deleting anything.
     */
    @Test
    void deleteSnapshotsRemovesEachReplicasOwnFileOnce() throws Exception {
        List<RemoteOptimizer.Parameter> model = model(new Random(11));
        List<ManagedChannel> pair = List.of(replica(), replica());
        RemoteOptimizer two = RemoteOptimizer.create(pair, "run", SPEC, model);
        two.step(1e-3, gradients(model, 1), copy(model));
        List<String> snapshot = two.snapshot();
        List<Path> files = snapshot.stream().map(uri -> Path.of(URI.create(uri))).toList();
        assertThat(files).hasSize(2).allSatisfy(file -> assertThat(file).isRegularFile());

        StatusRuntimeException swapped = catchThrowableOfType(StatusRuntimeException.class,
                () -> RemoteOptimizer.deleteSnapshots(pair, List.of(snapshot.get(1), snapshot.get(0))));
        assertThat(swapped.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(files).allSatisfy(file -> assertThat(file).isRegularFile());

        assertThat(RemoteOptimizer.deleteSnapshots(pair, snapshot)).isEqualTo(2);
        assertThat(files).allSatisfy(file -> assertThat(file).doesNotExist());
        assertThat(RemoteOptimizer.deleteSnapshots(pair, snapshot)).as("already gone").isZero();
        assertThat(RemoteOptimizer.deleteSnapshots(pair, List.of("", ""))).as("replicas that held nothing").isZero();
        two.delete();
    }
}
