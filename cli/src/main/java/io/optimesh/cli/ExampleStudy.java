package io.optimesh.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.KeyedEvents;
import io.optimesh.core.events.Topics;
import io.optimesh.v1.BuiltinCorpus;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.CreateStudyRequest;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.DatasetSpec;
import io.optimesh.v1.EvaluateCheckpointRequest;
import io.optimesh.v1.Evaluation;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.GetRunRequest;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawServiceGrpc;
import io.optimesh.v1.ListTrialsRequest;
import io.optimesh.v1.MergeCheckpointsRequest;
import io.optimesh.v1.MergeCheckpointsResponse;
import io.optimesh.v1.MergeMethod;
import io.optimesh.v1.MergeResult;
import io.optimesh.v1.MergeServiceGrpc;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.PredictCurveRequest;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Sampler;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.StepMetrics;
import io.optimesh.v1.Study;
import io.optimesh.v1.StudyBudget;
import io.optimesh.v1.StudyServiceGrpc;
import io.optimesh.v1.StudySpec;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.TrainerServiceGrpc;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;
import io.optimesh.v1.RunFinished;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.WatchStudyRequest;
import io.optimesh.v1.WatchStudyResponse;
import io.optimesh.v1.Warmup;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The bundled example study, run through every service of a mesh that is up: agent-coordinator
 * searches the peak learning rate of a tiny byte-level GPT on Europarl (trainer-svc trains each
 * trial), merge-svc averages the best run's last two checkpoints and trainer-svc evaluates the merge,
 * and law-svc fits a power law to the first half of the best run's curve and predicts the rest.
 * The demo prints the outcome; the integration tests assert on it.
 */
public final class ExampleStudy {

    /** Trials of the random search. */
    public static final int TRIALS = 3;
    /** Optimizer steps per trial. */
    public static final int STEPS = 160;
    static final int BATCH_SIZE = 16;
    static final int SEQUENCE_LENGTH = 64;

    private final String requestId;

    public ExampleStudy() {
        this("example-study-" + UUID.randomUUID());
    }

    public ExampleStudy(String requestId) {
        this.requestId = requestId;
    }

    /** What the study produced. */
    public record Outcome(Study study, List<Trial> trials, Run bestRun, Evaluation lastCheckpoint,
            MergeResult merge, Evaluation merged, FittedLaw law, long lawFitStep, PredictedPoint predictedFinal,
            double actualFinalLoss) {
    }

    /** The study's definition: a random search over the peak learning rate of a cosine schedule. */
    public static StudySpec spec() {
        RunSpec baseRun = RunSpec.newBuilder()
                .setModelPreset("tiny")
                .setDataset(DatasetSpec.newBuilder().setBuiltin(BuiltinCorpus.BUILTIN_CORPUS_EUROPARL))
                .setSteps(STEPS)
                .setBatchSize(BATCH_SIZE)
                .setSequenceLength(SEQUENCE_LENGTH)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1)
                        .setGradientClipNorm(1.0))
                .setSchedule(Schedule.newBuilder().setTotalSteps(STEPS).setPeakLr(3e-3).setMinLr(3e-4)
                        .setWarmup(Warmup.newBuilder().setSteps(STEPS / 10))
                        .setCosine(CosineFamily.getDefaultInstance()))
                .setEvalInterval(STEPS / 2)
                .setEvalBatches(8)
                .setCheckpointInterval(STEPS / 2)
                .setSeed(7)
                .build();
        return StudySpec.newBuilder()
                .setDisplayName("Example: peak learning rate of a tiny GPT on Europarl")
                .setSearchSpace(SearchSpace.newBuilder().addParameters(SearchParameter.newBuilder()
                        .setName("learning_rate")
                        .setFloatDomain(FloatDomain.newBuilder().setMin(1e-3).setMax(2e-2).setLog(true))))
                .setBudget(StudyBudget.newBuilder().setMaxTrials(TRIALS))
                .setParallelism(1)
                .setSampler(Sampler.SAMPLER_RANDOM)
                .setBaseRun(baseRun)
                .setSeed(11)
                .build();
    }

    /** Runs the study and the follow-ups through the mesh, reporting progress to {@code out}. */
    public Outcome run(MeshPlan plan, PrintWriter out) {
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            ManagedChannel coordinator = channel(plan, MeshService.AGENT_COORDINATOR, channels);
            ManagedChannel trainer = channel(plan, MeshService.TRAINER, channels);
            ManagedChannel merger = channel(plan, MeshService.MERGE, channels);
            ManagedChannel law = channel(plan, MeshService.LAW, channels);

            Study study = runStudy(StudyServiceGrpc.newBlockingStub(coordinator), out);
            List<Trial> trials = StudyServiceGrpc.newBlockingStub(coordinator)
                    .listTrials(ListTrialsRequest.newBuilder().setParent(study.getName()).build()).getTrialsList();
            Trial best = trials.stream()
                    .filter(t -> t.getState() == TrialState.TRIAL_STATE_SUCCEEDED && t.hasObjectiveValue())
                    .min(Comparator.comparingDouble(Trial::getObjectiveValue))
                    .orElseThrow(() -> new MeshException("no trial of " + study.getName() + " succeeded; see "
                            + plan.layout().logFile(MeshService.TRAINER.id())));

            TrainerServiceGrpc.TrainerServiceBlockingStub trainerStub = TrainerServiceGrpc.newBlockingStub(trainer);
            Run bestRun = trainerStub.getRun(GetRunRequest.newBuilder().setName(best.getRun()).build()).getRun();
            List<CheckpointRef> checkpoints = bestRun.getCheckpointsList().stream()
                    .sorted(Comparator.comparingLong(CheckpointRef::getStep)).toList();
            if (checkpoints.size() < 2) {
                throw new MeshException(best.getRun() + " kept " + checkpoints.size()
                        + " checkpoint(s); the merge needs its last two");
            }
            CheckpointRef previous = checkpoints.get(checkpoints.size() - 2);
            CheckpointRef last = checkpoints.get(checkpoints.size() - 1);

            out.println("Merging the best run's checkpoints at steps " + previous.getStep() + " and "
                    + last.getStep() + " (merge-svc, linear 0.5/0.5) ...");
            out.flush();
            MergeResult merge = mergeHalfAndHalf(MergeServiceGrpc.newBlockingStub(merger), previous, last);
            Evaluation lastEval = evaluate(trainerStub, last);
            Evaluation mergedEval = evaluate(trainerStub, merge.getOutput());

            out.println("Fitting a power law to the first half of the best run's curve (law-svc) ...");
            out.flush();
            List<StepMetrics> curve = trainingCurve(plan.bootstrapServers(), bestRun.getName());
            long fitUntil = STEPS / 2;
            FittedLaw fitted = fitPowerLaw(LawServiceGrpc.newBlockingStub(law), bestRun, curve, fitUntil);
            PredictedPoint predicted = LawServiceGrpc.newBlockingStub(law).predictCurve(PredictCurveRequest.newBuilder()
                    .setLaw(fitted).setSchedule(bestRun.getSpec().getSchedule())
                    .addSteps(STEPS - 1).build()).getPoints(0);
            double actual = meanLoss(curve, STEPS - 10, STEPS);
            return new Outcome(study, trials, bestRun, lastEval, merge, mergedEval, fitted, fitUntil, predicted, actual);
        } finally {
            for (ManagedChannel c : channels) {
                c.shutdownNow();
            }
        }
    }

    /** Prints the outcome as the demo's result tables. */
    public static void print(Outcome outcome, PrintWriter out) {
        out.println();
        out.println("Study " + outcome.study().getName() + ": " + outcome.study().getSpec().getDisplayName());
        Table trials = new Table("trial", "peak LR", "state", "validation loss", "tokens", "run");
        for (Trial t : outcome.trials()) {
            trials.row(t.getName().substring(t.getName().lastIndexOf('/') + 1),
                    String.format(Locale.ROOT, "%.2e", t.getParametersMap().get("learning_rate").getFloatValue()),
                    t.getState().name().replace("TRIAL_STATE_", ""),
                    t.hasObjectiveValue() ? String.format(Locale.ROOT, "%.4f", t.getObjectiveValue()) : "-",
                    t.getComputeTokens(), t.getRun());
        }
        trials.print(out);
        out.println();
        Table result = new Table("what", "validation loss", "perplexity", "next-token accuracy");
        Evaluation last = outcome.lastCheckpoint();
        Evaluation merged = outcome.merged();
        result.row("best run, last checkpoint (step " + last.getStep() + ")", f4(last.getLoss()),
                f2(last.getPerplexity()), f4(last.getNextTokenAccuracy()));
        result.row("merge of its last two checkpoints", f4(merged.getLoss()), f2(merged.getPerplexity()),
                f4(merged.getNextTokenAccuracy()));
        result.print(out);
        out.printf(Locale.ROOT, "Merged checkpoint: %s (%+.2f%% validation loss against the last checkpoint)%n",
                outcome.merge().getOutput().getUri(), 100 * (merged.getLoss() / last.getLoss() - 1));
        out.println();
        Map<String, String> params = new TreeMap<>();
        outcome.law().getParametersList()
                .forEach(p -> params.put(p.getName(), String.format(Locale.ROOT, "%.4g", p.getValue())));
        out.printf(Locale.ROOT, "Power law fitted on steps <= %d of the best run: %s%n", outcome.lawFitStep(), params);
        PredictedPoint p = outcome.predictedFinal();
        out.printf(Locale.ROOT, "Predicted training loss at step %d: %.4f [%.4f, %.4f]; measured (mean of the last"
                + " 10 steps): %.4f (%+.2f%%)%n", p.getStep(), p.getLoss(), p.getLower(), p.getUpper(),
                outcome.actualFinalLoss(), 100 * (p.getLoss() / outcome.actualFinalLoss() - 1));
        out.flush();
    }

    private Study runStudy(StudyServiceGrpc.StudyServiceBlockingStub coordinator, PrintWriter out) {
        Study created = coordinator.createStudy(CreateStudyRequest.newBuilder()
                .setRequestId(requestId).setSpec(spec()).build()).getStudy();
        out.println("Created " + created.getName() + ": random search over the peak learning rate, "
                + TRIALS + " trials of " + STEPS + " steps (tiny GPT, Europarl)");
        out.flush();
        Study latest = created;
        Map<String, TrialState> shown = new TreeMap<>();
        Iterator<WatchStudyResponse> updates = coordinator.withDeadlineAfter(30, TimeUnit.MINUTES)
                .watchStudy(WatchStudyRequest.newBuilder().setName(created.getName()).build());
        while (updates.hasNext()) {
            WatchStudyResponse update = updates.next();
            latest = update.getStudy();
            for (Trial t : update.getChangedTrialsList()) {
                if (shown.put(t.getName(), t.getState()) == t.getState()) {
                    continue;
                }
                out.printf(Locale.ROOT, "  %-40s %-10s %s%n", t.getName(), t.getState().name().replace("TRIAL_STATE_", ""),
                        t.hasObjectiveValue() ? String.format(Locale.ROOT, "validation loss %.4f", t.getObjectiveValue()) : "");
            }
            out.flush();
        }
        if (latest.getState() != StudyState.STUDY_STATE_SUCCEEDED) {
            throw new MeshException(latest.getName() + " ended " + latest.getState() + ": " + latest.getStateReason());
        }
        return latest;
    }

    private static MergeResult mergeHalfAndHalf(MergeServiceGrpc.MergeServiceBlockingStub merge, CheckpointRef a,
            CheckpointRef b) {
        Iterator<MergeCheckpointsResponse> updates = merge.withDeadlineAfter(10, TimeUnit.MINUTES)
                .mergeCheckpoints(MergeCheckpointsRequest.newBuilder()
                        .setRequestId("example-merge-" + UUID.randomUUID())
                        .setMethod(MergeMethod.MERGE_METHOD_LINEAR)
                        .addInputs(a).addInputs(b).addWeights(0.5).addWeights(0.5).build());
        MergeResult result = null;
        while (updates.hasNext()) {
            MergeCheckpointsResponse update = updates.next();
            if (update.hasResult()) {
                result = update.getResult();
            }
        }
        if (result == null) {
            throw new MeshException("merge-svc ended the merge without a result");
        }
        return result;
    }

    private static Evaluation evaluate(TrainerServiceGrpc.TrainerServiceBlockingStub trainer, CheckpointRef checkpoint) {
        return trainer.withDeadlineAfter(10, TimeUnit.MINUTES).evaluateCheckpoint(EvaluateCheckpointRequest.newBuilder()
                .setCheckpoint(checkpoint).setBatches(16).setBatchSize(BATCH_SIZE).build()).getEvaluation();
    }

    /** The run's whole training curve, read back from its step-metrics events on the runs topic. */
    static List<StepMetrics> trainingCurve(String bootstrapServers, String run) {
        EventDecoder decoder = EventDecoder.of(RunMetricsReported.getDefaultInstance(),
                RunFinished.getDefaultInstance());
        List<ConsumerRecord<String, byte[]>> records;
        try {
            records = KeyedEvents.readUntil(bootstrapServers, Topics.RUNS, run.substring(run.indexOf('/') + 1),
                    r -> decoder.decode(r, RunFinished.class).isPresent(), Duration.ofMinutes(2));
        } catch (IllegalStateException e) {
            throw new MeshException(e.getMessage());
        }
        List<StepMetrics> curve = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            decoder.decode(record, RunMetricsReported.class).ifPresent(m -> curve.addAll(m.getMetricsList()));
        }
        curve.sort(Comparator.comparingLong(StepMetrics::getStep));
        return curve;
    }

    private static FittedLaw fitPowerLaw(LawServiceGrpc.LawServiceBlockingStub law, Run run, List<StepMetrics> curve,
            long fitUntil) {
        Schedule schedule = run.getSpec().getSchedule();
        LabeledCurve.Builder labeled = LabeledCurve.newBuilder().setName(run.getName()).setSchedule(schedule);
        // Steps before the warmup ends are left out: the law describes the curve after it.
        long warmup = schedule.getWarmup().getSteps();
        for (StepMetrics m : curve) {
            if (m.getStep() >= warmup && m.getStep() <= fitUntil) {
                labeled.addPoints(CurvePoint.newBuilder().setStep(m.getStep()).setLoss(m.getLoss())
                        .setLearningRate(m.getLearningRate()));
            }
        }
        return law.fitLaw(FitLawRequest.newBuilder().setKind(LawKind.LAW_KIND_POWER).addCurves(labeled).build())
                .getLaw();
    }

    private static double meanLoss(List<StepMetrics> curve, long from, long to) {
        return curve.stream().filter(m -> m.getStep() >= from && m.getStep() < to)
                .mapToDouble(StepMetrics::getLoss).average()
                .orElseThrow(() -> new MeshException("no step metrics between steps " + from + " and " + to));
    }

    private static ManagedChannel channel(MeshPlan plan, MeshService service, List<ManagedChannel> channels) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(MeshPlan.HOST, plan.port(service)).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        channels.add(channel);
        return channel;
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
