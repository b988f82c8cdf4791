package io.optimesh.cli.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.optimesh.cli.Home;
import io.optimesh.cli.Mesh;
import io.optimesh.cli.MeshException;
import io.optimesh.cli.MeshLayout;
import io.optimesh.cli.MeshPlan;
import io.optimesh.cli.MeshService;
import io.optimesh.cli.MeshState;
import io.optimesh.cli.PlanOptions;
import io.optimesh.cli.StateOptions;
import io.optimesh.cli.Table;
import io.optimesh.cli.law.CurveFiles;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.CreateRunRequest;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawServiceGrpc;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.RankSchedulesRequest;
import io.optimesh.v1.RankedSchedule;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunState;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.StepMetrics;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.WatchRunRequest;
import io.optimesh.v1.WatchRunResponse;
import io.optimesh.v1.Warmup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code optimesh bench law}: trains a grid of tiny runs with trainer-svc (schedule families x a ladder
 * of peak LRs whose top rungs diverge) and splits it by rung: on every run of the fit rungs, divergent
 * ones included, law-svc fits an Opt-Laws law whose logistic classifier gives every ranking its
 * divergence risk; on the constant and cosine runs of the fit rungs that finished it fits the
 * multi-power law. The held-out rungs lie between and beyond the fit rungs. RankSchedules (the curve
 * law, with the Opt-Laws law as {@code risk_model}) ranks every group of held-out candidates: per rung
 * the four families, per family the rungs. A ranking hits when the run that actually ended lowest
 * (validation loss; diverged runs never win) is among its first two, candidates whose risk is at least
 * {@code --risk-threshold} being put last. Divergence F1 compares that risk with what the held-out runs
 * did. Then the fit of the three 24k-step MPL curves and the prediction of a 72k-step schedule at its
 * logged steps are timed through law-svc's gRPC API (the JSON's fit_seconds is the whole call; law-svc's
 * own fit time is printed beside it). The plain power law (LR area only), fitted, given the same risk
 * and timed the same way, is the reference the ratios are taken against; Opt-Laws ranking on its own
 * is shown beside.
 */
@Command(name = "law", mixinStandardHelpOptions = true,
        description = "Train tiny runs over schedule families and peak LRs, fit the multi-power law on a few, rank the"
                + " rest (top-2 hit rate, divergence F1), and time a fit and a prediction; last line is JSON.")
public class LawBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StateOptions state;

    @Mixin
    PlanOptions plan;

    @Option(names = "--quick", description = "A smaller grid: 28 runs of 100 steps instead of 32 of 300.")
    boolean quick;

    @Option(names = "--curves", paramLabel = "DIR", description = "The three curves timed for the fit (default:"
            + " shared/data/mpl-curves/400 beside the repository or one of its ancestors).")
    Path curves;

    @Option(names = "--risk-threshold", defaultValue = "0.5", paramLabel = "P",
            description = "Divergence risk from which a candidate counts as predicted to diverge (default: ${DEFAULT-VALUE}).")
    double riskThreshold;

    /** What a run of the grid did. */
    record Trained(TinyRuns.Planned planned, Run run, List<StepMetrics> metrics, double seconds) {
        boolean diverged() {
            return run.getState() == RunState.RUN_STATE_DIVERGED;
        }

        double validationLoss() {
            return run.hasLatestEvaluation() ? run.getLatestEvaluation().getLoss() : Double.NaN;
        }
    }

    /** One ranking: its name, candidates (indices into the trained runs) and whether the best made the top two. */
    record Task(String name, List<Integer> candidates) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        MeshLayout layout = state.layout();
        Path curveDir = curves != null ? curves : sharedCurves(Home.resolve());
        List<LabeledCurve> mplCurves = CurveFiles.readDirectory(curveDir);

        Mesh mesh = new Mesh(out, spec.commandLine().getErr());
        MeshState running = MeshState.read(layout.meshFile()).filter(s -> alive(s, MeshService.TRAINER)
                && alive(s, MeshService.LAW)).orElse(null);
        boolean started = running == null;
        if (started) {
            out.println("Starting trainer-svc and law-svc (and a broker) ...");
            out.flush();
            running = mesh.up(plan.plan(layout, List.of(MeshService.TRAINER, MeshService.LAW)), plan.startTimeout());
        } else {
            out.println("Using the mesh already up in " + layout.stateDir());
        }
        ManagedChannel trainer = channel(running, MeshService.TRAINER);
        ManagedChannel law = channel(running, MeshService.LAW);
        try {
            return run(out, TrainerServiceGrpc.newBlockingStub(trainer), LawServiceGrpc.newBlockingStub(law), mplCurves);
        } catch (StatusRuntimeException e) {
            throw new MeshException("a call failed: " + e.getStatus() + "; see ./optimesh logs", e);
        } finally {
            trainer.shutdownNow();
            law.shutdownNow();
            if (started) {
                mesh.down(layout, Duration.ofSeconds(30));
            }
        }
    }

    private int run(PrintWriter out, TrainerServiceGrpc.TrainerServiceBlockingStub trainer,
            LawServiceGrpc.LawServiceBlockingStub law, List<LabeledCurve> mplCurves) {
        TinyRuns.Grid grid = quick ? TinyRuns.Grid.quick() : TinyRuns.Grid.full();
        List<TinyRuns.Planned> planned = grid.runs();
        out.printf(Locale.ROOT, "%nTraining %d tiny runs of %d steps (4 families x peak LRs %s) ...%n", planned.size(),
                grid.steps(), grid.peakLrs());
        out.flush();
        long trainStart = System.nanoTime();
        String prefix = "bench-law-" + UUID.randomUUID().toString().substring(0, 8);
        List<Trained> runs = new ArrayList<>();
        for (int i = 0; i < planned.size(); i++) {
            Trained t = train(trainer, planned.get(i), prefix + "-" + i);
            runs.add(t);
            out.printf(Locale.ROOT, "  %-14s %-9s validation loss %-8s %5.1f s%n", t.planned().name(),
                    t.run().getState().name().replace("RUN_STATE_", ""),
                    t.diverged() ? "-" : String.format(Locale.ROOT, "%.4f", t.validationLoss()), t.seconds());
            out.flush();
        }
        double trainSeconds = (System.nanoTime() - trainStart) / 1e9;

        List<LabeledCurve> fitSet = new ArrayList<>();
        List<LabeledCurve> riskSet = new ArrayList<>();
        for (Trained t : runs) {
            if (grid.fitted(t.planned())) {
                riskSet.add(outcome(t, grid));
            }
            if (grid.curveFitted(t.planned()) && !t.diverged()) {
                if (t.run().getState() != RunState.RUN_STATE_SUCCEEDED) {
                    throw new MeshException("fit-set run " + t.planned().name() + " ended " + t.run().getState()
                            + ": " + t.run().getStateReason());
                }
                fitSet.add(curve(t, grid.warmup()));
            }
        }
        FittedLaw optLaws = law.withDeadlineAfter(10, TimeUnit.MINUTES).fitLaw(FitLawRequest.newBuilder()
                .setKind(LawKind.LAW_KIND_OPT_LAWS).addAllCurves(riskSet).build()).getLaw();
        List<Schedule> schedules = runs.stream().map(t -> t.planned().spec().getSchedule()).toList();
        List<Task> tasks = tasks(runs, grid);
        double parameters = runs.get(0).run().getModel().getParameterCount();

        Map<LawKind, Ranked> results = new LinkedHashMap<>();
        for (LawKind kind : List.of(LawKind.LAW_KIND_MULTI_POWER, LawKind.LAW_KIND_POWER, LawKind.LAW_KIND_OPT_LAWS)) {
            FittedLaw fitted = kind == LawKind.LAW_KIND_OPT_LAWS ? optLaws : law.withDeadlineAfter(10, TimeUnit.MINUTES)
                    .fitLaw(FitLawRequest.newBuilder().setKind(kind).addAllCurves(fitSet).build()).getLaw();
            RankSchedulesRequest.Builder rank = RankSchedulesRequest.newBuilder().setLaw(fitted)
                    .addAllCandidates(schedules).setModelParameters(parameters).setTokensPerStep(grid.tokensPerStep());
            if (kind != LawKind.LAW_KIND_OPT_LAWS) {
                rank.setRiskModel(optLaws);
            }
            results.put(kind, score(runs, grid, tasks, law.rankSchedules(rank.build()).getRankingList()));
        }

        Ranked mpl = results.get(LawKind.LAW_KIND_MULTI_POWER);
        Ranked power = results.get(LawKind.LAW_KIND_POWER);
        Ranked opt = results.get(LawKind.LAW_KIND_OPT_LAWS);
        long positives = riskSet.stream().filter(LabeledCurve::getDiverged).count();
        out.printf(Locale.ROOT, "%nCurve laws fitted on %s;%nOpt-Laws (loss model and divergence classifier) on the %d"
                + " runs at peak LRs %s, %d of them diverged; it gives every curve law its risk.%n",
                fitSet.stream().map(LabeledCurve::getName).toList(), riskSet.size(), grid.fitPeakLrs(), positives);
        out.printf(Locale.ROOT, "Rankings of the held-out runs (diverged runs never win; risk >= %.2f goes last):%n",
                riskThreshold);
        Table table = new Table("ranking", "actual best", "mpl top 2", "hit", "power top 2", "hit", "opt-laws top 2",
                "hit");
        for (int i = 0; i < tasks.size(); i++) {
            table.row(tasks.get(i).name(), mpl.best().get(i), mpl.top2().get(i), mpl.hits().get(i) ? "yes" : "no",
                    power.top2().get(i), power.hits().get(i) ? "yes" : "no", opt.top2().get(i),
                    opt.hits().get(i) ? "yes" : "no");
        }
        table.print(out);
        out.printf(Locale.ROOT, "Divergence of the %d held-out runs: %d diverged; the classifier flags %d of them and"
                + " %d others (risk of the held-out runs: %s)%n", mpl.heldOut(), mpl.truePositives() + mpl.falseNegatives(),
                mpl.truePositives(), mpl.falsePositives(), mpl.risks());

        Timing mplTiming = time(law, LawKind.LAW_KIND_MULTI_POWER, mplCurves);
        Timing powerTiming = time(law, LawKind.LAW_KIND_POWER, mplCurves);
        out.println();
        Table summary = new Table("figure", "mpl", "power (reference)", "mpl / reference", "target");
        summary.row("top-2 hit rate", f3(mpl.hitRate()), f3(power.hitRate()), ratio(mpl.hitRate(), power.hitRate()),
                ">= 0.95");
        summary.row("  opt-laws alone", f3(opt.hitRate()), "", "", "");
        summary.row("divergence F1", f3(mpl.f1()), f3(power.f1()), ratio(mpl.f1(), power.f1()), ">= 0.92");
        summary.row("fit 3 x 24k-step curves, s (gRPC, best of 3)", f3(mplTiming.fitSeconds()),
                f3(powerTiming.fitSeconds()), ratio(mplTiming.fitSeconds(), powerTiming.fitSeconds()), "< 2");
        summary.row("  of which the fit itself, s (law-svc)", f3(mplTiming.serverFitSeconds()),
                f3(powerTiming.serverFitSeconds()), ratio(mplTiming.serverFitSeconds(), powerTiming.serverFitSeconds()), "");
        summary.row("predict 72k-step schedule at " + mplTiming.points() + " steps, ms (gRPC, best of 20)",
                f3(mplTiming.predictMs()), f3(powerTiming.predictMs()), ratio(mplTiming.predictMs(), powerTiming.predictMs()),
                "< 20");
        summary.print(out);
        out.printf(Locale.ROOT, "Training took %.0f s on %d processors.%n", trainSeconds,
                Runtime.getRuntime().availableProcessors());
        // JSON has no NaN: an undefined figure is null.
        out.printf(Locale.ROOT, "{\"bench\":\"law\",\"top2_hit_rate\":%s,\"divergence_f1\":%s,\"fit_seconds\":%.4f,"
                + "\"predict_ms\":%.4f}%n", json(mpl.hitRate()), json(mpl.f1()), mplTiming.fitSeconds(),
                mplTiming.predictMs());
        out.flush();
        return 0;
    }

    /** Starts a run and follows it to its end, keeping every step's metrics. */
    private static Trained train(TrainerServiceGrpc.TrainerServiceBlockingStub trainer, TinyRuns.Planned planned,
            String id) {
        long start = System.nanoTime();
        Run run = trainer.createRun(CreateRunRequest.newBuilder().setRequestId(id).setRunId(id)
                .setSpec(planned.spec()).build()).getRun();
        List<StepMetrics> metrics = new ArrayList<>();
        Iterator<WatchRunResponse> updates = trainer.withDeadlineAfter(30, TimeUnit.MINUTES)
                .watchRun(WatchRunRequest.newBuilder().setName(run.getName()).build());
        while (updates.hasNext()) {
            WatchRunResponse update = updates.next();
            metrics.addAll(update.getMetricsList());
            run = update.getRun();
        }
        metrics.sort(Comparator.comparingLong(StepMetrics::getStep));
        return new Trained(planned, run, metrics, (System.nanoTime() - start) / 1e9);
    }

    /** A run's training curve after warmup, with its schedule. */
    static LabeledCurve curve(Trained t, int warmup) {
        LabeledCurve.Builder curve = LabeledCurve.newBuilder().setName(t.planned().name())
                .setSchedule(t.planned().spec().getSchedule());
        long last = -1;
        for (StepMetrics m : t.metrics()) {
            if (m.getStep() >= warmup && m.getStep() > last && m.getLoss() > 0 && Double.isFinite(m.getLoss())) {
                curve.addPoints(CurvePoint.newBuilder().setStep(m.getStep()).setLoss(m.getLoss())
                        .setLearningRate(m.getLearningRate()));
                last = m.getStep();
            }
        }
        return curve.build();
    }

    /**
     * What the divergence classifier learns from a run: its whole logged curve (a run that diverges
     * early may not outlive its warmup), whether it diverged, and the model's and batch's size.
     */
    static LabeledCurve outcome(Trained t, TinyRuns.Grid grid) {
        return curve(t, 0).toBuilder().setDiverged(t.diverged())
                .setModelParameters(t.run().getModel().getParameterCount()).setTokensPerStep(grid.tokensPerStep())
                .build();
    }

    /** Over the held-out runs: per peak LR the families, per family the peak LRs. */
    static List<Task> tasks(List<Trained> runs, TinyRuns.Grid grid) {
        List<Task> tasks = new ArrayList<>();
        for (double peak : grid.peakLrs()) {
            if (grid.fitPeakLrs().contains(peak)) {
                continue;
            }
            List<Integer> group = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                if (runs.get(i).planned().peakLr() == peak) {
                    group.add(i);
                }
            }
            tasks.add(new Task(String.format(Locale.ROOT, "families at %.0e", peak), group));
        }
        for (TinyRuns.Family family : TinyRuns.Family.values()) {
            List<Integer> group = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                if (runs.get(i).planned().family() == family && !grid.fitted(runs.get(i).planned())) {
                    group.add(i);
                }
            }
            tasks.add(new Task("peak LRs of " + family.id(), group));
        }
        // A ranking where every candidate diverged has no best to find.
        return tasks.stream().filter(t -> t.candidates().stream().anyMatch(i -> !runs.get(i).diverged())).toList();
    }

    record Ranked(List<String> best, List<String> top2, List<Boolean> hits, int truePositives, int falsePositives,
            int falseNegatives, int heldOut, String risks) {

        double hitRate() {
            return hits.isEmpty() ? Double.NaN : hits.stream().filter(h -> h).count() / (double) hits.size();
        }

        /** 2TP / (2TP + FP + FN); NaN (undefined) when no run diverged and none was flagged. */
        double f1() {
            int denominator = 2 * truePositives + falsePositives + falseNegatives;
            return denominator == 0 ? Double.NaN : 2.0 * truePositives / denominator;
        }
    }

    private Ranked score(List<Trained> runs, TinyRuns.Grid grid, List<Task> tasks, List<RankedSchedule> all) {
        Map<Integer, RankedSchedule> byRun = new HashMap<>();
        all.forEach(r -> byRun.put(r.getIndex(), r));
        Function<Integer, Double> risk = i -> byRun.get(i).getDivergenceRisk();
        List<String> best = new ArrayList<>();
        List<String> top2 = new ArrayList<>();
        List<Boolean> hits = new ArrayList<>();
        for (Task task : tasks) {
            int actual = task.candidates().stream().filter(i -> !runs.get(i).diverged())
                    .min(Comparator.comparingDouble(i -> runs.get(i).validationLoss())).orElseThrow();
            List<Integer> predicted = task.candidates().stream()
                    .sorted(Comparator.comparing((Integer i) -> risk.apply(i) >= riskThreshold)
                            .thenComparingDouble(i -> byRun.get(i).getFinalLoss().getLoss()))
                    .limit(2).toList();
            best.add(runs.get(actual).planned().name());
            top2.add(predicted.stream().map(i -> runs.get(i).planned().name()).collect(Collectors.joining(", ")));
            hits.add(predicted.contains(actual));
        }
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int heldOut = 0;
        Map<Double, Double> risks = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            if (grid.fitted(runs.get(i).planned())) {
                continue;
            }
            heldOut++;
            boolean flagged = risk.apply(i) >= riskThreshold;
            risks.put(runs.get(i).planned().peakLr(), risk.apply(i));
            boolean diverged = runs.get(i).diverged();
            tp += flagged && diverged ? 1 : 0;
            fp += flagged && !diverged ? 1 : 0;
            fn += !flagged && diverged ? 1 : 0;
        }
        return new Ranked(best, top2, hits, tp, fp, fn, heldOut, risks.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%.0e: %.3f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", ")));
    }

    record Timing(double fitSeconds, double serverFitSeconds, double predictMs, int points) {
    }

    /**
     * Fits {@code kind} to the three curves (best of 3 round trips) and predicts the 72k-step cosine
     * schedule of the MPL paper's longer runs at every 128th step after warmup (best of 20).
     */
    private static Timing time(LawServiceGrpc.LawServiceBlockingStub law, LawKind kind, List<LabeledCurve> curves) {
        FitLawRequest fit = FitLawRequest.newBuilder().setKind(kind).addAllCurves(curves).build();
        double best = Double.POSITIVE_INFINITY;
        double server = Double.POSITIVE_INFINITY;
        FittedLaw fitted = null;
        for (int rep = 0; rep < 3; rep++) {
            long start = System.nanoTime();
            fitted = law.withDeadlineAfter(10, TimeUnit.MINUTES).fitLaw(fit).getLaw();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
            server = Math.min(server, fitted.getQuality().getSeconds());
        }
        int total = 72_000;
        int warmup = 2160;
        Schedule schedule = Schedule.newBuilder().setTotalSteps(total).setPeakLr(3e-4).setMinLr(3e-5)
                .setWarmup(Warmup.newBuilder().setSteps(warmup)).setCosine(CosineFamily.getDefaultInstance()).build();
        PredictCurveRequest.Builder predict = PredictCurveRequest.newBuilder().setLaw(fitted).setSchedule(schedule);
        for (long step = 2176; step < total; step += 128) {
            predict.addSteps(step);
        }
        PredictCurveRequest request = predict.build();
        double bestMs = Double.POSITIVE_INFINITY;
        for (int rep = 0; rep < 20; rep++) {
            long start = System.nanoTime();
            law.predictCurve(request);
            bestMs = Math.min(bestMs, (System.nanoTime() - start) / 1e6);
        }
        return new Timing(best, server, bestMs, request.getStepsCount());
    }

    /** shared/data/mpl-curves/400 beside the repository or beside one of its ancestors (a worktree's). */
    static Path sharedCurves(Path home) {
        for (Path dir = home.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("data").resolve("mpl-curves").resolve("400");
            if (java.nio.file.Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new MeshException("no shared/data/mpl-curves/400 beside " + home + " or its ancestors: give --curves DIR");
    }

    private static boolean alive(MeshState state, MeshService service) {
        return state.entry(service.id()).flatMap(MeshState.Entry::process).isPresent();
    }

    private static ManagedChannel channel(MeshState state, MeshService service) {
        int port = state.entry(service.id()).orElseThrow().port();
        return ManagedChannelBuilder.forAddress(MeshPlan.HOST, port).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    private static String json(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String ratio(double a, double b) {
        return b == 0 || !Double.isFinite(a / b) ? "-" : String.format(Locale.ROOT, "%.2f", a / b);
    }
}
