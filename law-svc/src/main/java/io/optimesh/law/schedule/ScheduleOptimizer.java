package io.optimesh.law.schedule;

import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.model.LossLaw;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.SimpleBounds;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;

/**
 * Finds the schedule a fitted law predicts the lowest final loss for, within {@link ScheduleBounds},
 * as the Multi-Power Law paper optimises schedules under its law, but over a bounded family rather
 * than free per-step LRs (whose optimum under the law anneals to almost 0 and lets the law
 * extrapolate far from the schedules it was fitted on).
 *
 * <p>The family: linear warmup to a peak P, stable at P until a decay start D, then a monotone
 * piecewise-linear decay through {@value #DECAY_KNOTS} evenly spaced knots to a final LR F at the last
 * step. It holds constant (no decay), WSD with linear, cosine-like or 1-sqrt-like cooldowns, and
 * linear decay over the whole run. Eight coordinates, each scaled to [0, 1]: P within
 * [max(floor, peak bound / 4), peak bound], the decay fraction within [0, bound], F within [floor, P],
 * and the {@value #DECAY_KNOTS} + 1 shares of the drop P - F taken between consecutive knots. BOBYQA
 * (Hipparchus, bounded and derivative-free: the decay start moves in whole steps) minimises the
 * predicted loss at the last step from a few starts (WSD with a 20% linear cooldown, linear decay
 * over the longest allowed span, a cosine-shaped cooldown).
 */
public final class ScheduleOptimizer {

    /** Knots inside the decay, between its start and the last step. */
    static final int DECAY_KNOTS = 4;
    private static final int DIMENSION = 3 + DECAY_KNOTS + 1;
    /** The smallest share of the drop between two knots, keeping every share's weight alive. */
    private static final double MIN_SHARE = 0.02;
    /** The lowest peak searched, as a share of the peak bound. */
    private static final double LOWEST_PEAK = 0.25;

    private final int maxEvaluations;

    /** @param maxEvaluations law evaluations per start */
    public ScheduleOptimizer(int maxEvaluations) {
        if (maxEvaluations < 4 * DIMENSION) {
            throw new IllegalArgumentException("need at least " + 4 * DIMENSION + " evaluations per start");
        }
        this.maxEvaluations = maxEvaluations;
    }

    public ScheduleOptimizer() {
        this(400);
    }

    /**
     * The schedule within {@code bounds} with the lowest predicted loss at its last step.
     *
     * @param level nominal coverage of the final loss's interval
     */
    public OptimizedSchedule optimize(FittedLaw law, ScheduleBounds bounds, double level) {
        double[] params = law.values();
        int last = bounds.totalSteps() - 1;
        int[] evaluations = {0};
        double[] bestValue = {Double.POSITIVE_INFINITY};
        double[] x = starts().get(0).clone();
        ObjectiveFunction objective = new ObjectiveFunction(u -> {
            evaluations[0]++;
            double loss = finalLoss(law.law(), params, lrs(bounds, knots(bounds, u)), last);
            if (loss < bestValue[0]) {
                bestValue[0] = loss;
                System.arraycopy(u, 0, x, 0, DIMENSION);
            }
            return Double.isFinite(loss) ? loss : Double.MAX_VALUE;
        });
        double[] lower = new double[DIMENSION];
        double[] upper = new double[DIMENSION];
        Arrays.fill(upper, 1);
        for (double[] start : starts()) {
            try {
                new BOBYQAOptimizer(2 * DIMENSION + 1, 0.1, 1e-4).optimize(new MaxEval(maxEvaluations), objective,
                        GoalType.MINIMIZE, new InitialGuess(start), new SimpleBounds(lower, upper));
            } catch (MathIllegalStateException outOfEvaluations) {
                // The budget ran out: the best point seen is kept all the same.
            }
        }
        List<OptimizedSchedule.Knot> knots = knots(bounds, x);
        double[] lrs = lrs(bounds, knots);
        return new OptimizedSchedule(bounds.warmupSteps(), knots, lrs, law.predict(lrs, new int[] {last}, level),
                evaluations[0]);
    }

    private static double finalLoss(LossLaw law, double[] params, double[] lrs, int last) {
        double[] out = new double[1];
        try {
            law.prepare(lrs, new int[] {last}).evaluate(params, out, null);
        } catch (IllegalArgumentException undefined) {
            return Double.POSITIVE_INFINITY;
        }
        return out[0];
    }

    private static List<double[]> starts() {
        double[] wsd = {1, 0.2, 0, 0.5, 0.5, 0.5, 0.5, 0.5};
        double[] linear = {1, 1, 0, 0.5, 0.5, 0.5, 0.5, 0.5};
        // Shares of a cosine's drop over five equal spans: small at both ends.
        double[] cosine = {1, 0.5, 0, 0.1, 0.34, 0.5, 0.34, 0.1};
        return List.of(wsd, linear, cosine);
    }

    /** The knots of unit coordinates {@code x}: (warmup end, P), (D, P), the decay knots, (last, F). */
    static List<OptimizedSchedule.Knot> knots(ScheduleBounds bounds, double[] x) {
        double lowest = Math.max(bounds.minLr() / bounds.maxPeakLr(), LOWEST_PEAK);
        double peak = bounds.maxPeakLr() * (lowest + (1 - lowest) * clamp(x[0]));
        int warmup = bounds.warmupSteps();
        int last = bounds.totalSteps() - 1;
        int decaySteps = (int) Math.round(clamp(x[1]) * bounds.maxDecayFraction() * (last - warmup));
        int decayStart = last - decaySteps;
        List<OptimizedSchedule.Knot> knots = new ArrayList<>();
        knots.add(new OptimizedSchedule.Knot(warmup, peak));
        if (decaySteps == 0) {
            return knots;
        }
        double end = bounds.minLr() + clamp(x[2]) * (peak - bounds.minLr());
        double[] shares = new double[DECAY_KNOTS + 1];
        double total = 0;
        for (int j = 0; j <= DECAY_KNOTS; j++) {
            shares[j] = MIN_SHARE + (1 - MIN_SHARE) * clamp(x[3 + j]);
            total += shares[j];
        }
        if (decayStart > warmup) {
            knots.add(new OptimizedSchedule.Knot(decayStart, peak));
        }
        double dropped = 0;
        for (int j = 1; j <= DECAY_KNOTS; j++) {
            dropped += shares[j - 1];
            int step = decayStart + (int) Math.round((double) j * decaySteps / (DECAY_KNOTS + 1));
            if (step > knots.get(knots.size() - 1).step() && step < last) {
                knots.add(new OptimizedSchedule.Knot(step, peak - (peak - end) * dropped / total));
            }
        }
        knots.add(new OptimizedSchedule.Knot(last, end));
        return knots;
    }

    /** Every step's LR: linear warmup from 0 to the first knot, linear between knots. */
    static double[] lrs(ScheduleBounds bounds, List<OptimizedSchedule.Knot> knots) {
        double[] lrs = new double[bounds.totalSteps()];
        int warmup = bounds.warmupSteps();
        double peak = knots.get(0).lr();
        for (int s = 0; s < warmup; s++) {
            lrs[s] = peak * s / warmup;
        }
        int k = 0;
        for (int s = warmup; s < lrs.length; s++) {
            while (k + 1 < knots.size() && knots.get(k + 1).step() <= s) {
                k++;
            }
            OptimizedSchedule.Knot a = knots.get(k);
            if (k + 1 == knots.size()) {
                lrs[s] = a.lr();
            } else {
                OptimizedSchedule.Knot b = knots.get(k + 1);
                lrs[s] = a.lr() + (b.lr() - a.lr()) * (s - a.step()) / (b.step() - a.step());
            }
        }
        return lrs;
    }

    private static double clamp(double u) {
        return Math.min(Math.max(u, 0), 1);
    }
}
