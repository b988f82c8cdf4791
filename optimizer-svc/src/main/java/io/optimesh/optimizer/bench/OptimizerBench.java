package io.optimesh.optimizer.bench;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.optimesh.core.grpc.ValidatingServerInterceptor;
import io.optimesh.core.optim.Adam;
import io.optimesh.core.optim.ParallelUpdates;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.core.optim.remote.RemoteOptimizer;
import io.optimesh.optimizer.grpc.OptimizerGrpcService;
import io.optimesh.optimizer.schedule.ScheduleLibrary;
import io.optimesh.optimizer.state.StateStore;
import io.optimesh.v1.OptimizerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * {@code optimesh bench optimizer}: AdamW update throughput on 100M fp32 parameters, in bytes moved
 * (read p, g, m, v; write p, m, v: 28 bytes per parameter) as a ratio to the memory-copy bandwidth
 * measured in the same run (System.arraycopy, bytes read + written, on as many cores as the update
 * uses, or one if that is faster); and the overhead of a step through optimizer-svc over loopback
 * gRPC against the same step in-process, for a 3.3M-parameter model. Ends with one JSON line.
 *
 * <p>Arguments (optional): parameters for the throughput part (default 100000000), threads (default
 * 0: every core).
 */
public final class OptimizerBench {

    private static final int BYTES_PER_PARAMETER = 28;

    private OptimizerBench() {}

    public static void main(String[] args) throws Exception {
        // Outside Quarkus nothing configures logging and every logger is at DEBUG: Netty's HTTP/2 frame
        // logger would then format every frame of the remote step (a third of the transport's CPU),
        // which no service does. The services log at INFO.
        Logger.getLogger("").setLevel(Level.INFO);
        int parameters = args.length > 0 ? Integer.parseInt(args[0]) : 100_000_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        try (ParallelUpdates updates = new ParallelUpdates(threads)) {
            System.out.printf(Locale.ROOT, "cores: %d of %d available%n", updates.threads(),
                    Runtime.getRuntime().availableProcessors());
            double ratio = adamwBandwidthRatio(parameters, updates);
            double overhead = remoteStepOverhead(updates);
            System.out.printf(Locale.ROOT,
                    "{\"bench\":\"optimizer\",\"adamw_bandwidth_ratio\":%.4f,\"remote_step_overhead\":%.4f}%n",
                    ratio, overhead);
        }
    }

    private static double adamwBandwidthRatio(int n, ParallelUpdates updates) throws Exception {
        float[] p = new float[n];
        float[] g = new float[n];
        float[][] state = Adam.adamW().newState(new int[] {n});
        fill(p, 1);
        fill(g, 2);

        // Reference: copy g into p's memory and back, whole-array on one core and in chunks on all.
        double serialCopy = 0;
        double parallelCopy = 0;
        ForkJoinPool copyPool = new ForkJoinPool(updates.threads());
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            System.arraycopy(g, 0, state[0], 0, n);
            serialCopy = Math.max(serialCopy, 8.0 * n / ((System.nanoTime() - t0) * 1e-9));
            int chunks = copyPool.getParallelism() * 4;
            int chunk = (n + chunks - 1) / chunks;
            t0 = System.nanoTime();
            copyPool.submit(() -> IntStream.range(0, chunks).parallel().forEach(c -> {
                int from = c * chunk;
                System.arraycopy(g, from, state[1], from, Math.max(0, Math.min(chunk, n - from)));
            })).get();
            parallelCopy = Math.max(parallelCopy, 8.0 * n / ((System.nanoTime() - t0) * 1e-9));
        }
        copyPool.shutdown();
        double copy = Math.max(serialCopy, parallelCopy);
        System.out.printf(Locale.ROOT, "memory copy (bytes read + written): %.2f GB/s on one core, %.2f GB/s on %d%n",
                serialCopy / 1e9, parallelCopy / 1e9, updates.threads());
        Arrays.fill(state[0], 0f);
        Arrays.fill(state[1], 0f);

        UpdateRule rule = Adam.adamW().configure(Map.of());
        List<ParallelUpdates.Job> jobs = new ArrayList<>();
        double best = 0;
        for (int step = 1; step <= 8; step++) {
            jobs.clear();
            jobs.add(new ParallelUpdates.Job(p, g, new int[] {n}, state, step, 0.1));
            long t0 = System.nanoTime();
            updates.apply(rule, jobs, 1e-3);
            double seconds = (System.nanoTime() - t0) * 1e-9;
            if (step > 2) {
                best = Math.max(best, (double) BYTES_PER_PARAMETER * n / seconds);
            }
        }
        double ratio = best / copy;
        System.out.printf(Locale.ROOT,
                "adamw: %d parameters, %.2f GB/s moved (%.1f ms a step), %.3f of the copy bandwidth%n",
                n, best / 1e9, BYTES_PER_PARAMETER * (double) n / best * 1e3, ratio);
        return ratio;
    }

    /** A 3.3M-parameter GPT (d=256, 4 layers, 256-token vocabulary, 256 context). */
    private static Map<String, int[]> smallGpt() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        int d = 256;
        shapes.put("embed.weight", new int[] {256, d});
        shapes.put("pos.weight", new int[] {256, d});
        for (int l = 0; l < 4; l++) {
            String b = "blocks." + l + ".";
            shapes.put(b + "ln1.weight", new int[] {d});
            shapes.put(b + "attn.qkv.weight", new int[] {3 * d, d});
            shapes.put(b + "attn.proj.weight", new int[] {d, d});
            shapes.put(b + "ln2.weight", new int[] {d});
            shapes.put(b + "mlp.fc.weight", new int[] {4 * d, d});
            shapes.put(b + "mlp.proj.weight", new int[] {d, 4 * d});
        }
        shapes.put("final_ln.weight", new int[] {d});
        return shapes;
    }

    private static double remoteStepOverhead(ParallelUpdates updates) throws Exception {
        Map<String, int[]> shapes = smallGpt();
        List<RemoteOptimizer.Parameter> model = new ArrayList<>();
        Map<String, float[]> local = new LinkedHashMap<>();
        Map<String, float[]> remote = new LinkedHashMap<>();
        Map<String, float[]> gradients = new LinkedHashMap<>();
        Map<String, float[][]> states = new LinkedHashMap<>();
        long count = 0;
        int seed = 10;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            int n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] init = new float[n];
            fill(init, seed++);
            float[] g = new float[n];
            fill(g, seed++);
            boolean decay = e.getValue().length > 1;
            model.add(new RemoteOptimizer.Parameter(e.getKey(), e.getValue(), decay, init));
            local.put(e.getKey(), init.clone());
            remote.put(e.getKey(), init.clone());
            gradients.put(e.getKey(), g);
            states.put(e.getKey(), Adam.adamW().newState(e.getValue()));
            count += n;
        }
        OptimizerSpec spec = OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1).build();
        UpdateRule rule = Adam.adamW().configure(Map.of());

        int warmup = 10;
        int steps = 40;
        double[] localMs = new double[steps];
        for (int step = 1; step <= warmup + steps; step++) {
            List<ParallelUpdates.Job> jobs = new ArrayList<>();
            for (RemoteOptimizer.Parameter p : model) {
                jobs.add(new ParallelUpdates.Job(local.get(p.name()), gradients.get(p.name()), p.shape(),
                        states.get(p.name()), step, p.decay() ? 0.1 : 0.0));
            }
            long t0 = System.nanoTime();
            updates.apply(rule, jobs, 1e-3);
            if (step > warmup) {
                localMs[step - warmup - 1] = (System.nanoTime() - t0) * 1e-6;
            }
        }

        Path snapshots = Files.createTempDirectory("optimizer-bench");
        StateStore store = new StateStore(1L << 32, snapshots, updates.threads());
        Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .maxInboundMessageSize(512 << 20)
                .addService(ServerInterceptors.intercept(
                        new OptimizerGrpcService(new ScheduleLibrary(1000, 1000), store),
                        new ValidatingServerInterceptor()))
                .build()
                .start();
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(),
                InsecureChannelCredentials.create()).build();
        double[] remoteMs = new double[steps];
        try {
            RemoteOptimizer optimizer = RemoteOptimizer.create(List.of(channel), "bench", spec, model);
            for (int step = 1; step <= warmup + steps; step++) {
                long t0 = System.nanoTime();
                optimizer.step(1e-3, gradients, remote);
                if (step > warmup) {
                    remoteMs[step - warmup - 1] = (System.nanoTime() - t0) * 1e-6;
                }
            }
            optimizer.delete();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Map.Entry<String, float[]> e : local.entrySet()) {
            if (!Arrays.equals(e.getValue(), remote.get(e.getKey()))) {
                throw new IllegalStateException("the remote and in-process updates of " + e.getKey() + " differ");
            }
        }
        double localMedian = median(localMs);
        double remoteMedian = median(remoteMs);
        double overhead = (remoteMedian - localMedian) / localMedian;
        System.out.printf(Locale.ROOT,
                "remote step: %d parameters in %d tensors, %.2f ms in-process, %.2f ms through optimizer-svc over"
                        + " loopback gRPC (medians of %d steps; results bit-identical): overhead %.2f of the in-process step%n",
                count, model.size(), localMedian, remoteMedian, steps, overhead);
        return overhead;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void fill(float[] values, long seed) {
        int chunk = 1 << 20;
        IntStream.range(0, (values.length + chunk - 1) / chunk).parallel().forEach(c -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + c);
            for (int i = c * chunk; i < Math.min(values.length, (c + 1) * chunk); i++) {
                values[i] = (float) (random.nextDouble() * 2 - 1) * 0.02f;
            }
        });
    }
}
