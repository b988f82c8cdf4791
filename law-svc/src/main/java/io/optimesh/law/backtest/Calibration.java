package io.optimesh.law.backtest;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.fit.Prediction;
import io.optimesh.law.model.LossLaw;
import java.util.ArrayList;
import java.util.List;
import org.hipparchus.distribution.continuous.NormalDistribution;

/**
 * Fits a law and calibrates its intervals on its own fit set, by split-conformal calibration over a
 * leave-one-out back-test.
 *
 * <p>A law's intervals from the fit's curvature and noise describe how far a logged point strays from
 * the law on the curves it was fitted on; on a schedule it was not fitted on, the law's own bias
 * dominates (held-out coverage of nominal 95% was 16-88% on the MPL paper's curves). So every
 * curve of the fit set is held out once: the law is fitted on the others and predicts it, and each
 * held-out point gets the score {@code |log(actual / predicted)| / sigma}, sigma the log-scale
 * standard deviation the uncalibrated interval stands for. The conformal quantile of the scores at
 * {@link #LEVEL}, over the normal quantile, is the factor by which the full fit's intervals are
 * widened (or narrowed) at every level. The pooled error of those held-out predictions is the law's
 * reported back-test error.
 */
public final class Calibration {

    /** The level the scale is calibrated at. */
    public static final double LEVEL = 0.95;
    /**
     * Scale for a law fitted where no leave-one-out is possible (one curve, or too few points once a
     * curve is held out), which then extrapolates from less than any calibrated fit: above the largest
     * scale calibration gave on the MPL paper's curves (5.7, fits on two curves of the 25M set;
     * {@code LawBench}).
     */
    public static final double FALLBACK_SCALE = 6.0;

    /**
     * Cap on the scale where the held-out predictions are too far off for any interval (a law fitted
     * on one schedule that predicts no positive loss on another): intervals then span decades.
     */
    public static final double MAX_SCALE = 1000;

    private final LawFitter fitter;

    public Calibration(LawFitter fitter) {
        this.fitter = fitter;
    }

    /** Fits {@code law} to {@code curves} and calibrates its intervals on them. */
    public FittedLaw fit(LossLaw law, List<LossCurve> curves) {
        FittedLaw all = fitter.fit(law, curves);
        if (curves.size() < 2) {
            return all.calibrated(FALLBACK_SCALE, null);
        }
        List<Prediction> predictions = new ArrayList<>();
        List<double[]> actuals = new ArrayList<>();
        List<CurveError> errors = new ArrayList<>();
        for (int held = 0; held < curves.size(); held++) {
            List<LossCurve> others = new ArrayList<>(curves);
            LossCurve test = others.remove(held);
            FittedLaw fold;
            try {
                fold = fitter.fit(law, others);
            } catch (IllegalArgumentException tooFewPoints) {
                return all.calibrated(FALLBACK_SCALE, null);
            }
            Prediction prediction;
            try {
                prediction = fold.predict(test, LEVEL);
            } catch (IllegalArgumentException undefined) {
                // The law is undefined at a held-out step (no LR area yet): nothing to calibrate on.
                return all.calibrated(FALLBACK_SCALE, null);
            }
            predictions.add(prediction);
            actuals.add(test.losses());
            errors.add(prediction.errorAgainst(test.name(), test.losses()));
        }
        return all.calibrated(scale(predictions, actuals, LEVEL), CurveError.pooled("leave-one-out", errors));
    }

    /**
     * The factor that makes a fraction {@code level} of the {@code actual} losses fall inside
     * intervals of uncalibrated {@code predictions}: the split-conformal quantile of the normalised
     * scores over the normal quantile at {@code level}.
     */
    public static double scale(List<Prediction> predictions, List<double[]> actuals, double level) {
        List<Double> scores = new ArrayList<>();
        for (int c = 0; c < predictions.size(); c++) {
            Prediction p = predictions.get(c);
            double[] actual = actuals.get(c);
            for (int i = 0; i < p.size(); i++) {
                double sigma = p.logSigma(i);
                if (sigma > 0) {
                    // A prediction that is no loss at all (<= 0, NaN) needs an unbounded interval.
                    double score = Math.abs(Math.log(actual[i] / p.losses()[i])) / sigma;
                    scores.add(Double.isNaN(score) ? Double.POSITIVE_INFINITY : score);
                }
            }
        }
        if (scores.isEmpty()) {
            return FALLBACK_SCALE;
        }
        double[] sorted = scores.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        int rank = Math.min((int) Math.ceil((n + 1) * level), n);
        double z = new NormalDistribution(0, 1).inverseCumulativeProbability(0.5 + level / 2);
        return Math.min(Math.max(sorted[rank - 1] / z, Double.MIN_NORMAL), MAX_SCALE);
    }
}
