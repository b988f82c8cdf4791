package io.optimesh.trainer.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.model.Torch;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.OptimizerPlacement;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.Run;
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
 *
 * <p>Given {@code --optimizer-replicas host:port[,...]} (optimizer-svc replicas, which {@code optimesh
 * bench trainer} starts), the same spec is trained a second time with its optimizer placed there,
 * with the same steps and seed: the remote optimizer overhead is its median step time over the
 * in-process one, less 1, and the two runs' losses must be identical. Without replicas the overhead
 * is reported as null.
 */
public final class TrainerBench {

    private static final int[] PEAK_SIZES = {1024, 2048};
    private static final int PEAK_REPEATS = 5;
    private static final int[] ADJACENT_SIZES = {1024};
    private static final int ADJACENT_REPEATS = 3;

    private TrainerBench() {}

    public static void main(String[] args) {
        BenchArgs options = new BenchArgs(args,
                Set.of("preset", "batch", "sequence", "steps", "warmup", "optimizer-replicas"), Set.of());
        String preset = options.string("preset", "small");
        GptConfig model = GptConfig.preset(preset);
        int batch = options.integer("batch", 16);
        int sequence = options.integer("sequence", model.context());
        int steps = options.integer("steps", 20);
        int warmup = options.integer("warmup", 3);
        List<String> replicas = Arrays.stream(options.string("optimizer-replicas", "").split(","))
                .map(String::trim).filter(target -> !target.isEmpty()).toList();
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
        Trained local;
        Trained remote = null;
        RunSpec spec = spec(preset, batch, sequence, steps).build();
        try (NDManager manager = NDManager.newBaseManager(Torch.ENGINE);
                LocalTrainer trainer = new LocalTrainer(1, replicas)) {
            peakBefore = MatmulPeak.flopsPerSecond(manager, PEAK_SIZES, PEAK_REPEATS);
            local = train(trainer, manager, spec, "in-process");
            if (!replicas.isEmpty()) {
                System.out.println("training the same spec again with its optimizer in optimizer-svc at " + replicas);
                remote = train(trainer, manager,
                        spec.toBuilder().setOptimizerPlacement(OptimizerPlacement.OPTIMIZER_PLACEMENT_REMOTE).build(),
                        "remote-optimizer");
            }
            peakAfter = MatmulPeak.flopsPerSecond(manager, PEAK_SIZES, PEAK_REPEATS);
        }
        double peak = Math.max(peakBefore, peakAfter);
        for (Trained run : remote == null ? List.of(local) : List.of(local, remote)) {
            for (double adjacent : run.adjacentPeaks()) {
                peak = Math.max(peak, adjacent);
            }
        }
        long tokensPerStep = (long) batch * sequence;
        double[] seconds = local.timedSeconds(tokensPerStep, warmup);
        double[] pairedRatios = new double[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            pairedRatios[i] = tokensPerStep * flopsPerToken / seconds[i] / local.adjacentPeaks().get(warmup + i);
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
                local.steps().get(local.steps().size() - 1).getLoss(), local.run().getLatestEvaluation().getLoss());
        System.out.printf(Locale.ROOT, "model FLOPs rate of each step / matmul rate sampled right after it (best of"
                        + " %d at n = %s): median %.3f, range %.3f to %.3f (target 0.40)%n", ADJACENT_REPEATS,
                Arrays.toString(ADJACENT_SIZES), ratio, Arrays.stream(pairedRatios).min().orElseThrow(),
                Arrays.stream(pairedRatios).max().orElseThrow());
        System.out.printf(Locale.ROOT, "mean training throughput / best matmul sample of the whole run: %.3f"
                + " (lower when the load changed between the two)%n", overallRatio);
        String overhead = "null";
        if (remote == null) {
            System.out.println("remote optimizer overhead: null (no optimizer-svc replica given: ./optimesh bench"
                    + " trainer starts one, or pass --optimizer-replicas host:port)");
        } else {
            overhead = String.format(Locale.ROOT, "%.4f", remoteOverhead(local, remote, tokensPerStep, warmup));
        }
        System.out.printf(Locale.ROOT, "load average at end: %.2f on %d cores (other processes share them;"
                + " pairing each step with a matmul sample taken next to it keeps their load out of the ratio)%n",
                loadAverage(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT,
                "{\"bench\":\"trainer\",\"flops_ratio_to_peak\":%.4f,\"tokens_per_s\":%.1f,\"remote_optimizer_overhead\":%s}%n",
                ratio, tokensPerSecond, overhead);
        System.exit(0);
    }

    /** A finished benchmark run and the matmul rate sampled right after each of its steps. */
    private record Trained(Run run, List<StepMetrics> steps, List<Double> adjacentPeaks) {

        /** Seconds of each step after the first {@code warmup}. */
        double[] timedSeconds(long tokensPerStep, int warmup) {
            return steps.subList(warmup, steps.size()).stream()
                    .mapToDouble(step -> tokensPerStep / step.getTokensPerSecond()).toArray();
        }
    }

    /**
     * Trains {@code spec} to success, sampling the matmul rate after every step on the training thread
     * (outside the step's timing), so both placements run under the same conditions.
     */
    private static Trained train(LocalTrainer trainer, NDManager manager, RunSpec spec, String label) {
        List<Double> adjacentPeaks = new ArrayList<>();
        LocalTrainer.Result result = trainer.train(spec,
                metrics -> adjacentPeaks.add(MatmulPeak.flopsPerSecond(manager, ADJACENT_SIZES, ADJACENT_REPEATS)));
        if (result.run().getState() != RunState.RUN_STATE_SUCCEEDED) {
            throw new IllegalStateException("the " + label + " benchmark run ended " + result.run().getState() + ": "
                    + result.run().getStateReason());
        }
        if (result.steps().size() != spec.getSteps() || adjacentPeaks.size() != spec.getSteps()) {
            throw new IllegalStateException("the " + label + " run reported " + result.steps().size() + " steps and "
                    + adjacentPeaks.size() + " metrics updates for " + spec.getSteps() + " steps");
        }
        return new Trained(result.run(), result.steps(), adjacentPeaks);
    }

    /**
     * Prints the two placements' step times and whether their losses agree, and returns the remote
     * median step time over the in-process one, less 1. Both run the same core.optim rule on the same
     * gradients, so every loss must be identical; the matmul-normalised figure compares each step's
     * time in units of the matmul work the machine did right after it, which cancels a load change
     * between the two runs.
     */
    private static double remoteOverhead(Trained local, Trained remote, long tokensPerStep, int warmup) {
        double[] localSeconds = local.timedSeconds(tokensPerStep, warmup);
        double[] remoteSeconds = remote.timedSeconds(tokensPerStep, warmup);
        double[] localWork = new double[localSeconds.length];
        double[] remoteWork = new double[remoteSeconds.length];
        for (int i = 0; i < localSeconds.length; i++) {
            localWork[i] = localSeconds[i] * local.adjacentPeaks().get(warmup + i);
            remoteWork[i] = remoteSeconds[i] * remote.adjacentPeaks().get(warmup + i);
        }
        double overhead = median(remoteSeconds) / median(localSeconds) - 1;
        System.out.printf(Locale.ROOT, "remote optimizer placement: median step %.3f s in process, %.3f s with the"
                        + " optimizer in optimizer-svc (mean %.3f s vs %.3f s); overhead %+.4f (target at most 0.10);"
                        + " normalised by the matmul rate after each step %+.4f%n",
                median(localSeconds), median(remoteSeconds), Arrays.stream(localSeconds).average().orElseThrow(),
                Arrays.stream(remoteSeconds).average().orElseThrow(), overhead,
                median(remoteWork) / median(localWork) - 1);
        int differing = 0;
        String first = "";
        for (int i = 0; i < local.steps().size(); i++) {
            double a = local.steps().get(i).getLoss();
            double b = remote.steps().get(i).getLoss();
            if (Double.compare(a, b) != 0) {
                if (differing++ == 0) {
                    first = String.format(Locale.ROOT, "; first at step %d: %.9f in process, %.9f remote",
                            local.steps().get(i).getStep(), a, b);
                }
            }
        }
        double localValidation = local.run().getLatestEvaluation().getLoss();
        double remoteValidation = remote.run().getLatestEvaluation().getLoss();
        boolean validationSame = Double.compare(localValidation, remoteValidation) == 0;
        System.out.printf(Locale.ROOT, "losses of the two placements: %s (%d of %d training losses identical%s;"
                        + " validation loss %.9f in process, %.9f remote)%n",
                differing == 0 && validationSame ? "IDENTICAL" : "DIFFERENT", local.steps().size() - differing,
                local.steps().size(), first, localValidation, remoteValidation);
        return overhead;
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
