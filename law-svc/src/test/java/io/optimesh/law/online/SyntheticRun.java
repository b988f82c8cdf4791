package io.optimesh.law.online;

import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.model.MultiPowerLaw;
import io.optimesh.v1.CosineFamily;
import io.optimesh.v1.Schedule;
import io.optimesh.v1.Warmup;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * A run as a tiny trainer run looks on the runs topic: 600 steps, 60 of linear warmup to 3e-3, cosine
 * to 3e-4, a loss logged at every step that follows a multi-power law (falling from about 6 to 3,
 * annealing bringing the last 0.25) with 1% multiplicative noise.
 */
final class SyntheticRun {

    static final int STEPS = 600;
    static final int WARMUP = 60;
    static final Schedule SCHEDULE = Schedule.newBuilder().setTotalSteps(STEPS).setPeakLr(3e-3).setMinLr(3e-4)
            .setWarmup(Warmup.newBuilder().setSteps(WARMUP)).setCosine(CosineFamily.getDefaultInstance()).build();
    static final double[] LRS = ScheduleEvaluator.evaluate(SCHEDULE);
    /** L0, A, alpha, B, C, beta, gamma. */
    static final FittedLaw TRUTH = FittedLaw.fixed(new MultiPowerLaw(), 2.0, 0.8, 0.6, 300, 2.0, 0.5, 0.6);
    static final double NOISE = 0.01;

    private SyntheticRun() {
    }

    /** The noiseless loss at every step from 1 (the LR area is 0 at step 0). */
    static double[] truth() {
        int[] steps = IntStream.range(1, STEPS).toArray();
        double[] losses = TRUTH.predict(LRS, steps, 0.9).losses();
        double[] out = new double[STEPS];
        System.arraycopy(losses, 0, out, 1, losses.length);
        out[0] = Math.log(256);
        return out;
    }

    /** The logged loss at every step: the truth times lognormal noise, from a fixed seed. */
    static double[] logged(long seed) {
        double[] truth = truth();
        Random random = new Random(seed);
        double[] out = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            out[s] = truth[s] * Math.exp(NOISE * random.nextGaussian());
        }
        return out;
    }
}
