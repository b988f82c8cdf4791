package io.optimesh.cli.bench;

import io.optimesh.v1.BuiltinCorpus;
import io.optimesh.v1.ConstantFamily;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.DatasetSpec;
import io.optimesh.v1.DecayShape;
import io.optimesh.v1.LinearFamily;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Warmup;
import io.optimesh.v1.WarmupStableDecayFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's grid of tiny runs: the byte-level {@code tiny} GPT (0.2M parameters) on Europarl
 * with AdamW and no gradient clipping, over four schedule families and a ladder of peak LRs whose top
 * rungs diverge. Every run has the same seed, data order, warmup (10%) and floor (peak / 10), so the
 * families at one peak LR differ only in the shape of their decay.
 */
final class TinyRuns {

    static final int BATCH = 16;
    static final int SEQUENCE = 64;

    enum Family {
        CONSTANT, COSINE, LINEAR, WSD;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One run of the grid. */
    record Planned(Family family, double peakLr, RunSpec spec) {
        String name() {
            return family.id() + "@" + String.format(Locale.ROOT, "%.0e", peakLr);
        }
    }

    /**
     * @param steps optimizer steps per run
     * @param peakLrs the LR ladder
     * @param fitPeakLrs rungs whose runs the laws are fitted on: every family's for the Opt-Laws risk
     *     classifier (divergent ones included), the constant and cosine runs that finished for the
     *     curve laws; the other rungs are held out, so the classifier is judged between and beyond the
     *     rungs it learned from
     */
    record Grid(int steps, List<Double> peakLrs, List<Double> fitPeakLrs) {

        static Grid quick() {
            return new Grid(100, List.of(3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0), List.of(3e-3, 3e-2, 1e-1, 1.0));
        }

        static Grid full() {
            return new Grid(300, List.of(1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0),
                    List.of(1e-3, 1e-2, 1e-1, 1.0));
        }

        List<Planned> runs() {
            List<Planned> out = new ArrayList<>();
            for (double peak : peakLrs) {
                for (Family family : Family.values()) {
                    out.add(new Planned(family, peak, spec(family, peak)));
                }
            }
            return out;
        }

        /** Whether the run is in the fit set (its rung is a fit rung). */
        boolean fitted(Planned run) {
            return fitPeakLrs.contains(run.peakLr());
        }

        /** Whether a curve law is fitted on the run, should it finish. */
        boolean curveFitted(Planned run) {
            return fitted(run) && (run.family() == Family.CONSTANT || run.family() == Family.COSINE);
        }

        int tokensPerStep() {
            return BATCH * SEQUENCE;
        }

        int warmup() {
            return steps / 10;
        }

        private RunSpec spec(Family family, double peak) {
            Schedule.Builder schedule = Schedule.newBuilder().setTotalSteps(steps).setPeakLr(peak).setMinLr(peak / 10)
                    .setWarmup(Warmup.newBuilder().setSteps(warmup()));
            switch (family) {
                case CONSTANT -> schedule.setConstant(ConstantFamily.getDefaultInstance());
                case COSINE -> schedule.setCosine(CosineFamily.getDefaultInstance());
                case LINEAR -> schedule.setLinear(LinearFamily.getDefaultInstance());
                case WSD -> schedule.setWsd(WarmupStableDecayFamily.newBuilder().setDecayFraction(0.2)
                        .setDecayShape(DecayShape.DECAY_SHAPE_ONE_MINUS_SQRT));
            }
            return RunSpec.newBuilder()
                    .setModelPreset("tiny")
                    .setDataset(DatasetSpec.newBuilder().setBuiltin(BuiltinCorpus.BUILTIN_CORPUS_EUROPARL))
                    .setSteps(steps)
                    .setBatchSize(BATCH)
                    .setSequenceLength(SEQUENCE)
                    .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw").setWeightDecay(0.1))
                    .setSchedule(schedule)
                    .setEvalBatches(16)
                    .setSeed(5)
                    .setDevice("cpu")
                    .build();
        }
    }

    private TinyRuns() {
    }
}
