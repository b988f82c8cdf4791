package io.optimesh.cli.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.optimesh.cli.Home;
import io.optimesh.cli.Mesh;
import io.optimesh.cli.MeshException;
import io.optimesh.cli.MeshLayout;
import io.optimesh.cli.MeshPlan;
import io.optimesh.cli.MeshService;
import io.optimesh.cli.Table;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.Tensor;
import io.optimesh.v1.Acquisition;
import io.optimesh.v1.BuiltinCorpus;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CreateRunRequest;
import io.optimesh.v1.DatasetSpec;
import io.optimesh.v1.EvaluateCheckpointRequest;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeCheckpointsResponse;
import io.optimesh.v1.MergeEvaluation;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.MergeResult;
import io.optimesh.v1.MergeServiceGrpc;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunState;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchMergeWeightsRequest;
import io.optimesh.v1.SearchMergeWeightsResponse;
import io.optimesh.v1.SearchMergeWeightsResult;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.WatchRunRequest;
import io.optimesh.v1.WatchRunResponse;
import io.optimesh.v1.Warmup;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code optimesh bench merge}: trains a tiny GPT on Europarl through a mesh of trainer-svc and merge-svc,
 * keeps its late checkpoints, and measures (1) the held-out loss of the best adjacent merge of the last two
 * against the best single checkpoint and the last one, (2) SearchMergeWeights by GP-Hedge against the grid
 * and random baselines, each at its budget, and (3) merge throughput against the file read bandwidth of
 * the same files, measured in the same run.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge real checkpoints: merged vs single held-out loss, BO vs grid and random, merge"
                + " throughput vs read bandwidth.")
public class MergeBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Fewer training steps, smaller budgets and files (a few minutes).")
    boolean quick;

    @Option(names = "--base-port", defaultValue = "18280",
            description = "Port of the bench's own mesh; trainer-svc takes +1, merge-svc +4 (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--kafka-port", defaultValue = "19292", description = "The bench broker's port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--state-dir", description = "Where the bench's mesh keeps state (default: a fresh temporary directory).")
    Path stateDir;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the training run and the searches (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Sizes of one bench: training, budgets and the throughput files. */
    record Sizes(int steps, int checkpointEvery, int evalBatches, int boBudget, int gridBudget, int randomBudget,
            int throughputMiB) {
    }

    static Sizes sizes(boolean quick) {
        return quick ? new Sizes(240, 40, 8, 8, 15, 8, 64) : new Sizes(480, 60, 16, 10, 30, 10, 256);
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Sizes sizes = sizes(quick);
        Path home = Home.resolve();
        Path state = stateDir != null ? stateDir : Files.createTempDirectory("optimesh-bench-merge-");
        MeshLayout layout = MeshLayout.of(home, state);
        MeshPlan plan = MeshPlan.of(layout, List.of(MeshService.TRAINER, MeshService.MERGE), basePort, kafkaPort);
        Mesh mesh = new Mesh(out, spec.commandLine().getErr());
        long begin = System.nanoTime();
        mesh.up(plan, Duration.ofMinutes(5));
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            ManagedChannel trainerChannel = channel(plan, MeshService.TRAINER, channels);
            ManagedChannel mergeChannel = channel(plan, MeshService.MERGE, channels);
            TrainerServiceGrpc.TrainerServiceBlockingStub trainer = TrainerServiceGrpc.newBlockingStub(trainerChannel);
            MergeServiceGrpc.MergeServiceBlockingStub merges = MergeServiceGrpc.newBlockingStub(mergeChannel);
            new Bench(out, sizes, seed).run(trainer, merges, state);
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            mesh.down(layout, Duration.ofSeconds(30));
        }
        out.printf(Locale.ROOT, "(bench took %.0f s)%n", (System.nanoTime() - begin) / 1e9);
        out.flush();
        return 0;
    }

    private static ManagedChannel channel(MeshPlan plan, MeshService service, List<ManagedChannel> channels) {
        ManagedChannel c = ManagedChannelBuilder.forAddress(MeshPlan.HOST, plan.port(service)).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        channels.add(c);
        return c;
    }

    /** The measurements, against a mesh that is up. */
    record Bench(PrintWriter out, Sizes sizes, long seed) {

        void run(TrainerServiceGrpc.TrainerServiceBlockingStub trainer, MergeServiceGrpc.MergeServiceBlockingStub merges,
                Path state) throws IOException {
            Run run = train(trainer);
            List<CheckpointRef> checkpoints = run.getCheckpointsList().stream()
                    .sorted(Comparator.comparingLong(CheckpointRef::getStep)).toList();
            if (checkpoints.size() < 2) {
                throw new MeshException(run.getName() + " kept " + checkpoints.size() + " checkpoints; need 2");
            }
            out.println("Held-out loss of the kept checkpoints (" + sizes.evalBatches() + " validation batches):");
            Table singles = new Table("step", "held-out loss");
            double bestSingle = Double.POSITIVE_INFINITY;
            double last = Double.NaN;
            for (CheckpointRef c : checkpoints) {
                double loss = trainer.withDeadlineAfter(10, TimeUnit.MINUTES).evaluateCheckpoint(
                        EvaluateCheckpointRequest.newBuilder().setCheckpoint(c).setBatches(sizes.evalBatches()).build())
                        .getEvaluation().getLoss();
                singles.row(c.getStep(), f5(loss));
                bestSingle = Math.min(bestSingle, loss);
                last = loss;
            }
            singles.print(out);
            out.flush();

            List<CheckpointRef> pair = checkpoints.subList(checkpoints.size() - 2, checkpoints.size());
            out.printf(Locale.ROOT, "%nSearching lambda of the adjacent merge of steps %d and %d in [0, 1] ...%n",
                    pair.get(0).getStep(), pair.get(1).getStep());
            Searched bo = search(merges, pair, Acquisition.ACQUISITION_GP_HEDGE, sizes.boBudget());
            Searched grid = search(merges, pair, Acquisition.ACQUISITION_GRID, sizes.gridBudget());
            Searched random = search(merges, pair, Acquisition.ACQUISITION_RANDOM, sizes.randomBudget());
            Table searches = new Table("search", "evaluations", "best lambda", "best held-out loss", "vs grid", "seconds");
            for (Searched s : List.of(bo, grid, random)) {
                searches.row(s.name(), s.result().getEvaluationsCount(), f4(s.result().getBest().getWeights(0)),
                        f5(s.best()), pct(s.best() / grid.best() - 1), String.format(Locale.ROOT, "%.1f", s.seconds()));
            }
            searches.print(out);
            out.print("GP-Hedge's evaluations (lambda: loss, proposer): ");
            for (MergeEvaluation e : bo.result().getEvaluationsList()) {
                out.printf(Locale.ROOT, "%.4f: %.5f %s; ", e.getWeights(0), e.getValidationLoss(),
                        e.getProposedBy().name().replace("ACQUISITION_", ""));
            }
            out.println();

            double mergedVsBest = bo.best() / bestSingle - 1;
            double mergedVsLast = bo.best() / last - 1;
            double gap = bo.best() / grid.best() - 1;
            out.printf(Locale.ROOT, "%nMerged (GP-Hedge's best) %.5f vs best single checkpoint %.5f (%s) and the last"
                    + " %.5f (%s)%n", bo.best(), bestSingle, pct(mergedVsBest), last, pct(mergedVsLast));
            out.flush();

            double ratio = throughput(merges, state.resolve("throughput"));
            out.printf(Locale.ROOT, "{\"bench\":\"merge\",\"merged_vs_best_single\":%.6f,\"bo_gap_to_grid\":%.6f,"
                    + "\"bo_evaluations\":%d,\"throughput_ratio\":%.4f}%n", mergedVsBest, gap,
                    bo.result().getEvaluationsCount(), ratio);
            out.flush();
        }

        private Run train(TrainerServiceGrpc.TrainerServiceBlockingStub trainer) {
            int steps = sizes.steps();
            // A constant learning rate after warmup: the late checkpoints still move, as in seed 002's setting.
            RunSpec spec = RunSpec.newBuilder()
                    .setModelPreset("tiny")
                    .setDataset(DatasetSpec.newBuilder().setBuiltin(BuiltinCorpus.BUILTIN_CORPUS_EUROPARL))
                    .setSteps(steps).setBatchSize(16).setSequenceLength(64)
                    .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1)
                            .setGradientClipNorm(1.0))
                    .setSchedule(Schedule.newBuilder().setTotalSteps(steps).setPeakLr(3e-3).setMinLr(3e-3)
                            .setWarmup(Warmup.newBuilder().setSteps(steps / 10))
                            .setConstant(ConstantFamily.getDefaultInstance()))
                    .setEvalInterval(steps).setEvalBatches(sizes.evalBatches())
                    .setCheckpointInterval(sizes.checkpointEvery()).setKeepLastCheckpoints(4)
                    .setSeed(seed)
                    .build();
            Run created = trainer.createRun(CreateRunRequest.newBuilder().setRequestId("bench-merge-" + UUID.randomUUID())
                    .setSpec(spec).build()).getRun();
            out.printf(Locale.ROOT, "Training %s: tiny GPT on Europarl, %d steps at a constant LR 3e-3, a checkpoint"
                    + " every %d steps ...%n", created.getName(), steps, sizes.checkpointEvery());
            out.flush();
            Run latest = created;
            long shown = 0;
            Iterator<WatchRunResponse> updates = trainer.withDeadlineAfter(60, TimeUnit.MINUTES)
                    .watchRun(WatchRunRequest.newBuilder().setName(created.getName()).build());
            while (updates.hasNext()) {
                WatchRunResponse u = updates.next();
                latest = u.getRun();
                long step = latest.getLatestMetrics().getStep();
                if (step >= shown + steps / 4) {
                    shown = step;
                    out.printf(Locale.ROOT, "  step %d, training loss %.4f%n", step, latest.getLatestMetrics().getLoss());
                    out.flush();
                }
            }
            if (latest.getState() != RunState.RUN_STATE_SUCCEEDED) {
                throw new MeshException(latest.getName() + " ended " + latest.getState());
            }
            return latest;
        }

        record Searched(String name, SearchMergeWeightsResult result, double seconds) {
            double best() {
                return result.getBest().getValidationLoss();
            }
        }

        private Searched search(MergeServiceGrpc.MergeServiceBlockingStub merges, List<CheckpointRef> pair,
                Acquisition acquisition, int budget) {
            long start = System.nanoTime();
            Iterator<SearchMergeWeightsResponse> responses = merges.withDeadlineAfter(60, TimeUnit.MINUTES)
                    .searchMergeWeights(SearchMergeWeightsRequest.newBuilder()
                            .setRequestId("bench-" + UUID.randomUUID())
                            .setMethod(MergeMethod.MERGE_METHOD_ADJACENT)
                            .addAllInputs(pair)
                            .setLowerBound(0)
                            .setBudget(budget)
                            .setAcquisition(acquisition)
                            .setEvaluationBatches(sizes.evalBatches())
                            .setSeed(seed)
                            .build());
            SearchMergeWeightsResult result = null;
            while (responses.hasNext()) {
                SearchMergeWeightsResponse r = responses.next();
                if (r.hasResult()) {
                    result = r.getResult();
                }
            }
            if (result == null) {
                throw new MeshException("merge-svc ended the " + acquisition + " search without a result");
            }
            String name = acquisition.name().replace("ACQUISITION_", "").toLowerCase(Locale.ROOT).replace('_', '-');
            return new Searched(name, result, (System.nanoTime() - start) / 1e9);
        }

        /**
         * Merge throughput (input bytes over merge-svc's merge time) over the read bandwidth of the same two
         * files (the best of two sequential reads, page cache warm as for the merge).
         */
        private double throughput(MergeServiceGrpc.MergeServiceBlockingStub merges, Path dir) throws IOException {
            Files.createDirectories(dir);
            int tensors = Math.max(1, sizes.throughputMiB() / 16);
            List<Path> inputs = List.of(dir.resolve("a.safetensors"), dir.resolve("b.safetensors"));
            for (int k = 0; k < 2; k++) {
                List<Tensor> list = new ArrayList<>();
                float[] values = new float[4 << 20];
                for (int t = 0; t < tensors; t++) {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) Math.sin(0.001 * i + t + k);
                    }
                    list.add(Tensor.f32("layer" + t + ".weight", new long[] {2048, 2048}, values));
                }
                SafetensorsWriter.write(inputs.get(k), list, Map.of("format", "pt"));
            }
            long bytes = Files.size(inputs.get(0)) + Files.size(inputs.get(1));
            double read = Math.max(readBandwidth(inputs), readBandwidth(inputs));
            // The best of two merges, as the read bandwidth is the best of two reads.
            double mergeSeconds = Math.min(timedMerge(merges, inputs, dir), timedMerge(merges, inputs, dir));
            double mergeRate = bytes / mergeSeconds;
            double ratio = mergeRate / read;
            long outputBytes = Files.size(inputs.get(0));
            double write = Math.max(writeBandwidth(dir, outputBytes), writeBandwidth(dir, outputBytes));
            double floorSeconds = bytes / read + outputBytes / write;
            out.printf(Locale.ROOT, "%nThroughput: merged 2 x %.0f MiB in %.2f s = %.0f MiB/s of input; reading the same"
                    + " files runs at %.0f MiB/s; ratio %.3f%n", bytes / 2.0 / (1 << 20), mergeSeconds,
                    mergeRate / (1 << 20), read / (1 << 20), ratio);
            out.printf(Locale.ROOT, "  I/O floor: writing and syncing a file of the output's size runs at %.0f MiB/s, so"
                    + " reading the inputs and writing the output alone take %.2f s: no merge can exceed a ratio of %.3f"
                    + " here; this one takes %.2f x the floor%n", write / (1 << 20), floorSeconds,
                    bytes / floorSeconds / read, mergeSeconds / floorSeconds);
            for (Path p : inputs) {
                Files.deleteIfExists(p);
            }
            return ratio;
        }

        /** Seconds merge-svc reports for a linear merge of {@code inputs} into a new file, deleted afterwards. */
        private static double timedMerge(MergeServiceGrpc.MergeServiceBlockingStub merges, List<Path> inputs, Path dir)
                throws IOException {
            Path output = dir.resolve("merged.safetensors");
            MergeResult merged = null;
            Iterator<MergeCheckpointsResponse> responses = merges.withDeadlineAfter(30, TimeUnit.MINUTES)
                    .mergeCheckpoints(MergeCheckpointsRequest.newBuilder()
                            .setMethod(MergeMethod.MERGE_METHOD_LINEAR)
                            .addInputs(CheckpointRef.newBuilder().setUri(inputs.get(0).toUri().toString()))
                            .addInputs(CheckpointRef.newBuilder().setUri(inputs.get(1).toUri().toString()))
                            .setOutputUri(output.toUri().toString())
                            .build());
            while (responses.hasNext()) {
                MergeCheckpointsResponse r = responses.next();
                if (r.hasResult()) {
                    merged = r.getResult();
                }
            }
            if (merged == null) {
                throw new MeshException("merge-svc ended the throughput merge without a result");
            }
            Files.delete(output);
            return merged.getSeconds();
        }

        /** Bytes per second of writing a new file of {@code size} bytes and syncing it, as a merge's output is. */
        private static double writeBandwidth(Path dir, long size) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20);
            Path file = dir.resolve("write-bandwidth.bin");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long start = System.nanoTime();
                for (long written = 0; written < size; ) {
                    buffer.clear().limit((int) Math.min(buffer.capacity(), size - written));
                    written += ch.write(buffer);
                }
                ch.force(true);
                return size / ((System.nanoTime() - start) / 1e9);
            } finally {
                Files.deleteIfExists(file);
            }
        }

        private static double readBandwidth(List<Path> files) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20);
            long total = 0;
            long start = System.nanoTime();
            for (Path p : files) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    while (true) {
                        buffer.clear();
                        int n = ch.read(buffer);
                        if (n < 0) {
                            break;
                        }
                        total += n;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return total / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String f5(double v) {
        return String.format(Locale.ROOT, "%.5f", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%+.3f%%", 100 * v);
    }
}
