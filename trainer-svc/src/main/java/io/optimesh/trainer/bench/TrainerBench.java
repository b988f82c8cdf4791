package io.optimesh.trainer.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.model.Torch;
import io.optimesh.trainer.run.RunException;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.OptimizerPlacement;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunState;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.StepMetrics;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code optimesh bench trainer}: model FLOPs throughput of training as a fraction of the fp32
 * matmul rate, both measured here in one run on the engine's intra-op thread pool.
 *
 * <p>Training goes through the trainer's own run manager with a run spec as a client would send
 * it; a step's FLOPs are {@link GptConfig#flopsPerToken(int)} per token (6N plus the attention
 * products). The machine is shared, so its speed changes during a run: after every step, on the
 * training thread and outside the step's timing, the benchmark times a few 1024×1024 products,
 * and the reported ratio is the median over the timed steps (all but the first {@code --warmup})
 * of the step's FLOP rate over the matmul rate taken right after it. The best products of n = 1024
 * and 2048 before and after training, and the mean throughput against the best sample of the
 * whole run, are printed too.
 */
public final class TrainerBench {

    private static final int[] PEAK_SIZES = {1024, 2048};
    private static final int PEAK_REPEATS = 5;
    private static final int[] ADJACENT_SIZES = {1024};
    private static final int ADJACENT_REPEATS = 3;

    private TrainerBench() {}

    public static void main(String[] args) {
        BenchArgs options = new BenchArgs(args, Set.of("preset", "batch", "sequence", "steps", "warmup"), Set.of());
        String preset = options.string("preset", "small");
        GptConfig model = GptConfig.preset(preset);
        int batch = options.integer("batch", 16);
        int sequence = options.integer("sequence", model.context());
        int steps = options.integer("steps", 20);
        int warmup = options.integer("warmup", 3);
        if (warmup >= steps) {
            throw new IllegalArgumentException("--warmup must be below --steps");
        }
        Engine engine = Engine.getEngine(Torch.ENGINE);
        double flopsPerToken = model.flopsPerToken(sequence);
        System.out.printf(Locale.ROOT, "trainer bench: %s preset (%.2fM parameters, %.2f MFLOP per token at %d tokens"
                        + " per row), batch %d x %d tokens, fp32 on the CPU, PyTorch %s with %d intra-op threads%n",
                preset, model.parameterCount() / 1e6, flopsPerToken / 1e6, sequence, batch, sequence,
                engine.getVersion(), Torch.cpuThreads());
        System.out.printf(Locale.ROOT, "load average at start: %.2f on %d cores%n", loadAverage(),
                Runtime.getRuntime().availableProcessors());

        double peakBefore;
        double peakAfter;
        LocalTrainer.Result result;
        String remote;
        List<Double> adjacentPeaks = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(Torch.ENGINE); LocalTrainer trainer = new LocalTrainer(1)) {
            peakBefore = MatmulPeak.flopsPerSecond(manager, PEAK_SIZES, PEAK_REPEATS);
            // After every step, on the training thread: the matmul rate the machine gives right then.
            result = trainer.train(spec(preset, batch, sequence, steps).build(),
                    metrics -> adjacentPeaks.add(MatmulPeak.flopsPerSecond(manager, ADJACENT_SIZES, ADJACENT_REPEATS)));
            peakAfter = MatmulPeak.flopsPerSecond(manager, PEAK_SIZES, PEAK_REPEATS);
            remote = remotePlacement(trainer, preset, batch, sequence);
        }
        if (result.run().getState() != RunState.RUN_STATE_SUCCEEDED) {
            throw new IllegalStateException("the benchmark run ended " + result.run().getState() + ": "
                    + result.run().getStateReason());
        }
        double peak = Math.max(peakBefore, peakAfter);
        for (double adjacent : adjacentPeaks) {
            peak = Math.max(peak, adjacent);
        }
        long tokensPerStep = (long) batch * sequence;
        double[] seconds = new double[steps - warmup];
        double[] pairedRatios = new double[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            StepMetrics step = result.steps().get(warmup + i);
            seconds[i] = tokensPerStep / step.getTokensPerSecond();
            pairedRatios[i] = tokensPerStep * flopsPerToken / seconds[i] / adjacentPeaks.get(warmup + i);
        }
        double totalSeconds = Arrays.stream(seconds).sum();
        double tokensPerSecond = tokensPerStep * seconds.length / totalSeconds;
        double achieved = tokensPerSecond * flopsPerToken;
        double overallRatio = achieved / peak;
        double ratio = median(pairedRatios);

        System.out.printf(Locale.ROOT, "fp32 matmul peak (best of %d products at n = %s): %.1f GFLOP/s before"
                + " training, %.1f after, best of all samples %.1f%n", PEAK_REPEATS, Arrays.toString(PEAK_SIZES),
                peakBefore / 1e9, peakAfter / 1e9, peak / 1e9);
        System.out.printf(Locale.ROOT, "training: %d steps, the last %d timed: step %.3f s mean, %.3f s median,"
                        + " %.3f s fastest; %.0f tokens/s = %.1f GFLOP/s of model FLOPs%n",
                steps, seconds.length, totalSeconds / seconds.length, median(seconds),
                Arrays.stream(seconds).min().orElseThrow(), tokensPerSecond, achieved / 1e9);
        System.out.printf(Locale.ROOT, "final training loss %.4f, validation loss %.4f%n",
                result.steps().get(result.steps().size() - 1).getLoss(), result.run().getLatestEvaluation().getLoss());
        System.out.printf(Locale.ROOT, "model FLOPs rate of each step / matmul rate sampled right after it (best of"
                        + " %d at n = %s): median %.3f, range %.3f to %.3f (target 0.40)%n", ADJACENT_REPEATS,
                Arrays.toString(ADJACENT_SIZES), ratio, Arrays.stream(pairedRatios).min().orElseThrow(),
                Arrays.stream(pairedRatios).max().orElseThrow());
        System.out.printf(Locale.ROOT, "mean training throughput / best matmul sample of the whole run: %.3f"
                + " (lower when the load changed between the two)%n", overallRatio);
        System.out.println("remote optimizer overhead: " + remote);
        System.out.printf(Locale.ROOT, "load average at end: %.2f on %d cores (other processes share them;"
                + " pairing each step with a matmul sample taken next to it keeps their load out of the ratio)%n",
                loadAverage(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT,
                "{\"bench\":\"trainer\",\"flops_ratio_to_peak\":%.4f,\"tokens_per_s\":%.1f,\"remote_optimizer_overhead\":null}%n",
                ratio, tokensPerSecond);
        System.exit(0);
    }

    /** The run spec of the benchmark: AdamW at a constant rate, evaluation of one batch at the end. */
    static RunSpec.Builder spec(String preset, int batch, int sequence, int steps) {
        return RunSpec.newBuilder()
                .setModelPreset(preset)
                .setSteps(steps)
                .setBatchSize(batch)
                .setSequenceLength(sequence)
                .setSeed(1)
                .setEvalBatches(1)
                .setMetricsBatchSize(1)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1)
                        .setGradientClipNorm(1.0))
                .setSchedule(Schedule.newBuilder().setTotalSteps(steps).setPeakLr(1e-3)
                        .setConstant(ConstantFamily.getDefaultInstance()));
    }

    /**
     * Why the remote placement's overhead is not measured here: this trainer refuses the placement
     * until optimizer-svc's streaming placement is part of it, and measuring it needs optimizer-svc.
     */
    private static String remotePlacement(LocalTrainer trainer, String preset, int batch, int sequence) {
        RunSpec remote = spec(preset, batch, sequence, 1)
                .setOptimizerPlacement(OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE).build();
        try {
            trainer.train(remote);
        } catch (RunException e) {
            return "null (this trainer refuses the remote placement: " + e.getMessage() + ")";
        }
        return "null (the remote placement needs optimizer-svc running; this in-process benchmark does not start it)";
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
