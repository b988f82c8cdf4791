package io.optimesh.law.online;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.fit.Prediction;
import io.optimesh.law.model.LossLaw;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Follows runs as their step losses arrive and refits a law to each run's curve so far, debounced: a
 * run is refitted once it holds {@code minPoints} usable points and then after every
 * {@code refitEvery} new ones. Each refit starts from the best screened starts plus the run's previous
 * fit, so consecutive fits of a growing curve stay consistent, and predicts the loss at the run's last
 * step with an interval.
 *
 * <p>Points before the end of the warmup are not fitted (the laws describe the curve after it), nor
 * non-finite or non-positive losses (a diverging run's last steps), nor steps where the LR area is
 * still 0. A step that comes again (a duplicate delivery, or a resumed run re-training from its
 * checkpoint) replaces that step and everything logged after it. Not thread-safe: one consumer
 * thread drives it.
 */
public final class OnlineRefits {

    private static final Logger LOG = Logger.getLogger(OnlineRefits.class);

    /**
     * @param law the law fitted to every run
     * @param minPoints usable points a run needs before its first fit (more than the law's parameters)
     * @param refitEvery new usable points between two fits of a run
     * @param confidence interval coverage of the predictions, in (0, 1)
     */
    public record Settings(LossLaw law, int minPoints, int refitEvery, double confidence) {
        public Settings {
            Objects.requireNonNull(law, "law");
            int parameters = law.parameters(1).size();
            if (minPoints <= parameters) {
                throw new IllegalArgumentException(law.id() + " has " + parameters
                        + " parameters: minPoints must exceed that, got " + minPoints);
            }
            if (refitEvery < 1) {
                throw new IllegalArgumentException("refitEvery must be positive, got " + refitEvery);
            }
            if (!(confidence > 0 && confidence < 1)) {
                throw new IllegalArgumentException("confidence must lie in (0, 1), got " + confidence);
            }
        }
    }

    /**
     * A refit's outcome for one run.
     *
     * @param run the run's id
     * @param trial the trial the run belongs to, or empty
     * @param law the law fitted to the run's usable points so far
     * @param observedStep the last step fitted
     * @param observedPoints usable points fitted
     * @param finalLoss the predicted loss at the run's last step
     * @param seconds how long the fit took
     */
    public record RunPrediction(String run, String trial, FittedLaw law, int observedStep, int observedPoints,
            Prediction finalLoss, double seconds, Optional<ValidationForecast> finalValidationLoss) {
    }

    /**
     * The final loss on the validation set's scale: the training-loss prediction and its interval shifted by
     * the run's generalisation gap at its latest evaluation, so that it compares with a trial's objective.
     *
     * @param step the run's last step
     * @param gapStep the step of the evaluation the gap was measured at
     * @param gap that evaluation's loss minus the fitted training-loss curve at its step
     */
    public record ValidationForecast(int step, double loss, double lower, double upper, int gapStep, double gap) {
    }

    private static final class Tracked {
        final String trial;
        final double[] lrs;
        final int lastStep;
        final int firstFitted;
        final double[] area;
        int[] steps = new int[64];
        double[] losses = new double[64];
        int size;
        int sinceFit;
        int evaluationStep = -1;
        double evaluationLoss;
        boolean evaluatedSinceFit;
        double[] previous;
        boolean attempted;

        Tracked(String trial, double[] lrs, int lastStep, int warmupSteps) {
            this.trial = trial;
            this.lrs = lrs;
            this.lastStep = lastStep;
            this.firstFitted = warmupSteps;
            this.area = LossLaw.lrArea(lrs);
        }

        void observe(int step, double loss) {
            if (step < firstFitted || step > lastStep || !(area[step] > 0) || !(loss > 0 && Double.isFinite(loss))) {
                return;
            }
            if (size > 0 && step <= steps[size - 1]) {
                int keep = Arrays.binarySearch(steps, 0, size, step);
                keep = keep >= 0 ? keep : -keep - 1;
                sinceFit = Math.max(0, sinceFit - (size - keep));
                size = keep;
            }
            if (size == steps.length) {
                steps = Arrays.copyOf(steps, 2 * size);
                losses = Arrays.copyOf(losses, 2 * size);
            }
            steps[size] = step;
            losses[size] = loss;
            size++;
            sinceFit++;
        }

        /** Keeps the latest evaluation at a step the law is fitted on (after warmup, inside the schedule). */
        void evaluate(int step, double loss) {
            if (step < firstFitted || step > lastStep || !(area[step] > 0) || !(loss > 0 && Double.isFinite(loss))
                    || step < evaluationStep) {
                return;
            }
            evaluationStep = step;
            evaluationLoss = loss;
            evaluatedSinceFit = true;
        }
    }

    private final Settings settings;
    private final LawFitter fitter;
    private final Map<String, Tracked> runs = new LinkedHashMap<>();

    public OnlineRefits(Settings settings, LawFitter fitter) {
        this.settings = settings;
        this.fitter = fitter;
    }

    /**
     * A run started: its per-step LRs and the last step it will train. A run already followed (one
     * resumed without having ended) keeps the points seen so far.
     *
     * @param lrs the learning rate of every step of its schedule, warmup included
     * @param steps the steps the run trains (its last step is {@code steps - 1})
     * @param warmupSteps steps before which points are not fitted
     */
    public void started(String run, String trial, double[] lrs, long steps, long warmupSteps) {
        if (runs.containsKey(run)) {
            return;
        }
        if (steps < 1 || steps > lrs.length) {
            throw new IllegalArgumentException(run + " trains " + steps + " steps but its schedule covers "
                    + lrs.length);
        }
        runs.put(run, new Tracked(trial == null ? "" : trial, lrs, (int) steps - 1, (int) Math.min(warmupSteps, steps)));
    }

    /** Whether a run is followed (it started while this instance listened, and has not ended). */
    public boolean follows(String run) {
        return runs.containsKey(run);
    }

    /** A logged step loss of a followed run; ignored for runs not followed. */
    public void observed(String run, long step, double loss) {
        Tracked tracked = runs.get(run);
        if (tracked != null && step >= 0 && step <= Integer.MAX_VALUE) {
            tracked.observe((int) step, loss);
        }
    }

    /** A held-out evaluation of a followed run; ignored for runs not followed. */
    public void evaluated(String run, long step, double validationLoss) {
        Tracked tracked = runs.get(run);
        if (tracked != null && step >= 0 && step <= Integer.MAX_VALUE) {
            tracked.evaluate((int) step, validationLoss);
        }
    }

    /** The run ended (finished, diverged, failed or stopped): its predictions are no longer needed. */
    public void ended(String run) {
        runs.remove(run);
    }

    /** Runs followed now. */
    public int size() {
        return runs.size();
    }

    /**
     * Refits every run that is due (enough points, and {@code refitEvery} new ones since its last
     * fit, or new ones that reach its last step) and predicts its final loss. A run the law cannot fit yet is tried again after more points.
     */
    public List<RunPrediction> refitDue() {
        List<RunPrediction> out = new ArrayList<>();
        for (Map.Entry<String, Tracked> e : runs.entrySet()) {
            Tracked t = e.getValue();
            // The run's last step is worth a fit of its own: otherwise the prediction of a curve whose
            // tail is shorter than refitEvery never sees that tail.
            boolean complete = t.sinceFit > 0 && t.size > 0 && t.steps[t.size - 1] == t.lastStep;
            boolean due = t.size >= settings.minPoints()
                    && (!t.attempted || t.sinceFit >= settings.refitEvery() || complete
                            || (t.evaluatedSinceFit && t.sinceFit > 0));
            if (due) {
                fit(e.getKey(), t).ifPresent(out::add);
            }
        }
        return out;
    }

    private Optional<RunPrediction> fit(String run, Tracked t) {
        int[] steps = Arrays.copyOf(t.steps, t.size);
        double[] losses = Arrays.copyOf(t.losses, t.size);
        t.sinceFit = 0;
        t.attempted = true;
        t.evaluatedSinceFit = false;
        long start = System.nanoTime();
        try {
            LossCurve curve = LossCurve.of(run, steps, losses, t.lrs);
            FittedLaw law = fitter.fit(settings.law(), List.of(curve),
                    t.previous == null ? List.of() : List.of(t.previous));
            t.previous = law.values();
            Prediction prediction = law.predict(t.lrs, new int[] {t.lastStep}, settings.confidence());
            return Optional.of(new RunPrediction(run, t.trial, law, steps[steps.length - 1], steps.length,
                    prediction, (System.nanoTime() - start) / 1e9, validation(t, law, prediction)));
        } catch (IllegalArgumentException e) {
            // Also CurveValidationException: a curve the law cannot take yet.
            LOG.debugf("Cannot fit %s to %s at %d points yet: %s", settings.law().id(), run, steps.length, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<ValidationForecast> validation(Tracked t, FittedLaw law, Prediction finalLoss) {
        if (t.evaluationStep < 0) {
            return Optional.empty();
        }
        double fitted = law.predict(t.lrs, new int[] {t.evaluationStep}, settings.confidence()).losses()[0];
        double gap = t.evaluationLoss - fitted;
        return Optional.of(new ValidationForecast(t.lastStep, finalLoss.losses()[0] + gap, finalLoss.lower()[0] + gap,
                finalLoss.upper()[0] + gap, t.evaluationStep, gap));
    }
}
