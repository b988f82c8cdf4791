package io.optimesh.trainer.bench;

import io.optimesh.core.optim.Algorithm;
import io.optimesh.core.optim.AlgorithmCatalog;
import io.optimesh.trainer.run.InvalidRequestException;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.Evaluation;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupShape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code optimesh bench optimizers}: seed 000's comparison on our data. The tiny GPT is trained on
 * the same Europarl split with each optimizer, for the same token budget and schedule shape
 * (linear warmup over a tenth of the steps, cosine to a tenth of the peak, clipping at 1), over a
 * small sweep of peak learning rates and three seeds; every run goes through the trainer's run
 * manager as a client's run spec would. For each optimizer the peak rate with the lowest mean
 * final validation loss is kept (a rate where a seed diverged never is), and the table shows that
 * rate's final validation loss, perplexity and next-token accuracy, mean and standard deviation
 * over the seeds. The rate is chosen on the same validation windows it is reported on, so each
 * optimizer's figure is its best case on them.
 *
 * <p>An optimizer is run when the trainer accepts it in a run spec; one it refuses is listed with
 * the trainer's reason, and {@code seed-adaptive} is included once core's catalog has it.
 */
public final class OptimizersBench {

    /** Seed 000's optimizers, with the peak learning rates swept for each (clipped byte-level GPT). */
    private static final Map<String, double[]> SWEEPS = sweeps();

    private OptimizersBench() {}

    private static Map<String, double[]> sweeps() {
        Map<String, double[]> sweeps = new LinkedHashMap<>();
        sweeps.put("sgd", new double[] {0.1, 0.3, 1.0});
        sweeps.put("momentum", new double[] {0.01, 0.03, 0.1});
        sweeps.put("adagrad", new double[] {3e-3, 1e-2, 3e-2});
        sweeps.put("rmsprop", new double[] {3e-4, 1e-3, 3e-3});
        sweeps.put("adam", new double[] {1e-3, 3e-3, 1e-2});
        sweeps.put("adamw", new double[] {1e-3, 3e-3, 1e-2});
        sweeps.put("seed-adaptive", new double[] {1e-3, 3e-3, 1e-2});
        return sweeps;
    }

    /** One optimizer's kept rate and its runs' final evaluations (null for a diverged or failed run). */
    record Row(String algorithm, double peakLr, List<Evaluation> evaluations, int diverged) {

        double meanLoss() {
            return diverged > 0 ? Double.POSITIVE_INFINITY : mean(Evaluation::getLoss);
        }

        double mean(java.util.function.ToDoubleFunction<Evaluation> f) {
            return evaluations.stream().mapToDouble(f).average().orElse(Double.NaN);
        }

        double sd(java.util.function.ToDoubleFunction<Evaluation> f) {
            double m = mean(f);
            double ss = evaluations.stream().mapToDouble(e -> (f.applyAsDouble(e) - m) * (f.applyAsDouble(e) - m)).sum();
            return evaluations.size() > 1 ? Math.sqrt(ss / (evaluations.size() - 1)) : 0;
        }
    }

    public static void main(String[] args) {
        BenchArgs options = new BenchArgs(args, Set.of("steps", "seeds", "batch", "sequence", "optimizers"),
                Set.of("quick"));
        boolean quick = options.flag("quick");
        int steps = options.integer("steps", quick ? 40 : 300);
        int seeds = options.integer("seeds", quick ? 2 : 3);
        int batch = options.integer("batch", 8);
        int sequence = options.integer("sequence", 64);
        Set<String> catalog = AlgorithmCatalog.all().stream().map(Algorithm::name).collect(Collectors.toSet());
        Map<String, double[]> sweeps;
        try {
            sweeps = chosen(options.string("optimizers", String.join(",", SWEEPS.keySet())));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.out.printf(Locale.ROOT, "optimizers bench: tiny preset on Europarl, %d steps x %d rows x %d tokens ="
                        + " %d training tokens per run, %d seeds, %s%n", steps, batch, sequence,
                (long) steps * batch * sequence, seeds, quick ? "the middle rate of each sweep only (--quick)"
                        : "a sweep of 3 peak learning rates");

        List<Row> rows = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        long started = System.nanoTime();
        try (LocalTrainer trainer = new LocalTrainer(16)) {
            for (Map.Entry<String, double[]> sweep : sweeps.entrySet()) {
                String algorithm = sweep.getKey();
                if (!catalog.contains(algorithm)) {
                    skipped.put(algorithm, "not in core's AlgorithmCatalog");
                    continue;
                }
                double[] rates = quick ? new double[] {sweep.getValue()[1]} : sweep.getValue();
                Row best = null;
                try {
                    for (double lr : rates) {
                        Row row = runAll(trainer, algorithm, lr, steps, seeds, batch, sequence);
                        System.out.printf(Locale.ROOT, "  %-14s lr %-7s val loss %s%n", algorithm, lr,
                                row.diverged() > 0 ? row.diverged() + " of " + seeds + " runs diverged"
                                        : String.format(Locale.ROOT, "%.4f +- %.4f", row.meanLoss(),
                                                row.sd(Evaluation::getLoss)));
                        if (best == null || row.meanLoss() < best.meanLoss()) {
                            best = row;
                        }
                    }
                    rows.add(best);
                } catch (InvalidRequestException e) {
                    skipped.put(algorithm, "the trainer refuses it: " + e.getMessage());
                }
            }
        }
        printTable(rows, skipped, seeds);
        System.out.printf(Locale.ROOT, "%d runs in %.0f s%n", runsDone, (System.nanoTime() - started) / 1e9);
        System.out.println(json(rows, skipped, steps, (long) steps * batch * sequence, seeds));
        System.exit(0);
    }

    /**
     * The sweeps of the optimizers named in {@code list} (comma-separated), in the order given.
     *
     * @throws IllegalArgumentException for a name the bench has no sweep for, or none at all
     */
    static Map<String, double[]> chosen(String list) {
        Map<String, double[]> chosen = new LinkedHashMap<>();
        for (String name : list.split(",")) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            double[] rates = SWEEPS.get(trimmed);
            if (rates == null) {
                throw new IllegalArgumentException("the optimizers bench has no sweep for '" + trimmed + "'; it runs "
                        + String.join(", ", SWEEPS.keySet()));
            }
            chosen.put(trimmed, rates);
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("--optimizers names no optimizer");
        }
        return chosen;
    }

    /** Runs trained so far, for the closing line. */
    private static int runsDone;

    private static Row runAll(LocalTrainer trainer, String algorithm, double lr, int steps, int seeds, int batch,
            int sequence) {
        List<Evaluation> evaluations = new ArrayList<>();
        int diverged = 0;
        for (int seed = 0; seed < seeds; seed++) {
            LocalTrainer.Result result = trainer.train(spec(algorithm, lr, steps, seed, batch, sequence));
            runsDone++;
            switch (result.run().getState()) {
                case RUN_STATE_SUCCEEDED -> evaluations.add(result.run().getLatestEvaluation());
                case RUN_STATE_DIVERGED -> diverged++;
                default -> throw new IllegalStateException(algorithm + " at lr " + lr + ", seed " + seed + " ended "
                        + result.run().getState() + ": " + result.run().getStateReason());
            }
        }
        return new Row(algorithm, lr, evaluations, diverged);
    }

    static RunSpec spec(String algorithm, double lr, int steps, long seed, int batch, int sequence) {
        return RunSpec.newBuilder()
                .setModelPreset("tiny")
                .setSteps(steps)
                .setBatchSize(batch)
                .setSequenceLength(sequence)
                .setSeed(seed)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm(algorithm)
                        // Decoupled decay is AdamW's point; the others run without a penalty, as in seed 000.
                        .setWeightDecay(algorithm.equals("adamw") ? 0.1 : 0.0)
                        .setGradientClipNorm(1.0))
                .setSchedule(Schedule.newBuilder().setTotalSteps(steps).setPeakLr(lr).setMinLr(lr / 10)
                        .setWarmup(Warmup.newBuilder().setSteps(steps / 10).setShape(WarmupShape.WARMUP_SHAPE_LINEAR))
                        .setCosine(CosineFamily.getDefaultInstance()))
                .build();
    }

    private static void printTable(List<Row> rows, Map<String, String> skipped, int seeds) {
        System.out.printf(Locale.ROOT, "%n%-14s %8s %20s %20s %20s %9s%n", "optimizer", "peak lr",
                "val loss (nats)", "perplexity", "next-token acc.", "diverged");
        for (Row r : rows) {
            if (r.diverged() > 0) {
                System.out.printf(Locale.ROOT, "%-14s %8s %20s %20s %20s %6d/%d%n", r.algorithm(), r.peakLr(), "-",
                        "-", "-", r.diverged(), seeds);
                continue;
            }
            System.out.printf(Locale.ROOT, "%-14s %8s %11.4f +- %.4f %11.3f +- %.3f %11.4f +- %.4f %6d/%d%n",
                    r.algorithm(), r.peakLr(), r.meanLoss(), r.sd(Evaluation::getLoss),
                    r.mean(Evaluation::getPerplexity), r.sd(Evaluation::getPerplexity),
                    r.mean(Evaluation::getNextTokenAccuracy), r.sd(Evaluation::getNextTokenAccuracy), 0, seeds);
        }
        skipped.forEach((algorithm, why) -> System.out.printf("%-14s not run: %s%n", algorithm, why));
        System.out.println("(mean +- sample standard deviation over the seeds, at the peak rate of the sweep with the"
                + " lowest mean validation loss)");
    }

    private static String json(List<Row> rows, Map<String, String> skipped, int steps, long tokens, int seeds) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "{\"bench\":\"optimizers\",\"model\":\"tiny\",\"steps\":%d,\"train_tokens\":%d,\"seeds\":%d,\"results\":[",
                steps, tokens, seeds));
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            out.append(i == 0 ? "" : ",");
            if (r.diverged() > 0) {
                out.append(String.format(Locale.ROOT, "{\"optimizer\":\"%s\",\"peak_lr\":%s,\"diverged\":%d}",
                        r.algorithm(), r.peakLr(), r.diverged()));
            } else {
                out.append(String.format(Locale.ROOT, "{\"optimizer\":\"%s\",\"peak_lr\":%s,\"val_loss\":%.4f,"
                                + "\"val_loss_sd\":%.4f,\"perplexity\":%.3f,\"perplexity_sd\":%.3f,\"accuracy\":%.4f,"
                                + "\"accuracy_sd\":%.4f,\"diverged\":0}", r.algorithm(), r.peakLr(), r.meanLoss(),
                        r.sd(Evaluation::getLoss), r.mean(Evaluation::getPerplexity), r.sd(Evaluation::getPerplexity),
                        r.mean(Evaluation::getNextTokenAccuracy), r.sd(Evaluation::getNextTokenAccuracy)));
            }
        }
        out.append("],\"not_run\":[");
        out.append(skipped.keySet().stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(",")));
        return out.append("]}").toString();
    }
}
