package io.optimesh.law.fit;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.model.LossLaw;
import java.util.List;

/** A law bound to a fit set: every curve prepared once, log losses of all points in one vector. */
final class FitProblem {

    final LossLaw law;
    final List<LossCurve> curves;
    final LossLaw.Evaluator[] evaluators;
    final int[] offsets;
    final double[] logLosses;
    final double[] losses;

    FitProblem(LossLaw law, List<LossCurve> curves) {
        if (curves.isEmpty()) {
            throw new IllegalArgumentException("a fit needs at least one curve");
        }
        this.law = law;
        this.curves = List.copyOf(curves);
        this.evaluators = curves.parallelStream().map(c -> law.prepare(c.lrs(), c.steps()))
                .toArray(LossLaw.Evaluator[]::new);
        this.offsets = new int[curves.size() + 1];
        for (int c = 0; c < curves.size(); c++) {
            offsets[c + 1] = offsets[c] + curves.get(c).size();
        }
        this.losses = new double[offsets[curves.size()]];
        this.logLosses = new double[losses.length];
        for (int c = 0; c < curves.size(); c++) {
            LossCurve curve = curves.get(c);
            for (int i = 0; i < curve.size(); i++) {
                losses[offsets[c] + i] = curve.loss(i);
                logLosses[offsets[c] + i] = Math.log(curve.loss(i));
            }
        }
    }

    int size() {
        return losses.length;
    }

    /** Predicted losses of all points; derivatives in {@code jacobian} unless it is {@code null}. */
    double[] predict(double[] params, double[][] jacobian) {
        double[] out = new double[losses.length];
        for (int c = 0; c < evaluators.length; c++) {
            int from = offsets[c];
            int n = offsets[c + 1] - from;
            double[] values = new double[n];
            double[][] rows = null;
            if (jacobian != null) {
                rows = new double[n][];
                System.arraycopy(jacobian, from, rows, 0, n);
            }
            evaluators[c].evaluate(params, values, rows);
            System.arraycopy(values, 0, out, from, n);
        }
        return out;
    }

    /** Log residuals log(predicted) - log(actual); a non-positive prediction gets a huge residual. */
    double[] logResiduals(double[] predicted) {
        double[] r = new double[predicted.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.log(Math.max(predicted[i], Double.MIN_NORMAL)) - logLosses[i];
        }
        return r;
    }

    double objective(HuberLoss loss, double[] params) {
        double[] r = logResiduals(predict(params, null));
        double sum = 0;
        for (double ri : r) {
            sum += loss.rho(ri);
        }
        return Double.isNaN(sum) ? Double.POSITIVE_INFINITY : sum;
    }

    /** Errors per curve of the predictions {@code predicted} (one per point). */
    List<CurveError> errors(double[] predicted) {
        return java.util.stream.IntStream.range(0, curves.size()).mapToObj(c -> {
            int from = offsets[c];
            int to = offsets[c + 1];
            return CurveError.of(curves.get(c).name(), java.util.Arrays.copyOfRange(predicted, from, to),
                    java.util.Arrays.copyOfRange(losses, from, to));
        }).toList();
    }
}
