package io.optimesh.law.fit;

import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.model.LossLaw;
import io.optimesh.law.model.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.SingularValueDecomposition;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.random.SobolSequenceGenerator;
import org.hipparchus.util.Pair;

/**
 * Fits a {@link LossLaw} to loss curves the way the Multi-Power Law paper does, done well: float64,
 * a Huber loss on log residuals, bounded parameters and many starts.
 *
 * <p>Starts are a Sobol sequence over the law's start ranges; the objective is evaluated at each and
 * the best few are refined by Levenberg-Marquardt (Hipparchus) in unbounded logistic coordinates
 * ({@link BoundedParameters}). LM minimises the Huber objective itself: each residual r is replaced by
 * {@code sign(r) sqrt(2 rho(r))}, whose square sum is twice the objective, with its exact derivative
 * from the law's analytic Jacobian. Measured on the MPL paper's three curves per size, from the same
 * screened starts: this LM reaches the optimum in 35-140 evaluations per start; IRLS (LM on
 * fixed Huber weights, re-weighted between runs) needs 2-3 times as many; CMA-ES reaches the same
 * optimum after 3,500-5,000 and BOBYQA had not converged after 5,000. About one start in four ends
 * in a worse local minimum, hence several refined starts.
 *
 * <p>Uncertainty: the parameter covariance is the Gauss-Newton one at the optimum,
 * {@code s^2 (J^T J)^+} with J the Jacobian of the log residuals in log-parameter coordinates, s a
 * robust residual scale (1.4826 x median |r|) inflated by the residuals' lag-1 autocorrelation
 * (neighbouring points of a curve are not independent, so there are fewer effective points than
 * logged ones), and the pseudo-inverse ignoring directions the data do not constrain at all.
 */
public final class LawFitter {

    /**
     * Fit settings.
     *
     * @param loss the Huber loss on log residuals
     * @param starts Sobol points at which the objective is screened
     * @param refined how many of the best screened points LM refines
     * @param maxEvaluations LM evaluation budget per refined start
     */
    public record Options(HuberLoss loss, int starts, int refined, int maxEvaluations) {

        public Options {
            if (starts < 1 || refined < 1 || maxEvaluations < 1) {
                throw new IllegalArgumentException("starts, refined and maxEvaluations must be positive");
            }
        }

        public static Options defaults() {
            return new Options(HuberLoss.PAPER, 64, 4, 300);
        }
    }

    /** Relative cut-off below which singular values of the Jacobian count as unconstrained directions. */
    private static final double SINGULAR_CUTOFF = 1e-10;
    /** Median |r| to standard deviation for Gaussian residuals. */
    private static final double MAD_TO_SD = 1.4826;
    /** Caps the autocorrelation inflation at 39x (rho1 = 0.95). */
    private static final double MAX_LAG1 = 0.95;

    private final Options options;

    public LawFitter(Options options) {
        this.options = options;
    }

    public LawFitter() {
        this(Options.defaults());
    }

    public FittedLaw fit(LossLaw law, List<LossCurve> curves) {
        return fit(law, curves, List.of());
    }

    /**
     * Fits {@code law} to {@code curves}.
     *
     * @param guesses extra starting points in natural units (e.g. a previous fit of the same run),
     *     refined in addition to the best screened starts
     * @throws IllegalArgumentException when there are fewer points than parameters
     */
    public FittedLaw fit(LossLaw law, List<LossCurve> curves, List<double[]> guesses) {
        double minLoss = curves.stream().mapToDouble(LossCurve::minLoss).min().orElse(1);
        List<Parameter> parameters = law.parameters(minLoss);
        BoundedParameters bounds = new BoundedParameters(parameters);
        int p = bounds.size();
        FitProblem problem = new FitProblem(law, curves);
        if (problem.size() <= p) {
            throw new IllegalArgumentException(law.id() + " has " + p + " parameters: fitting it needs more than "
                    + p + " points, the curves hold " + problem.size());
        }
        for (double[] guess : guesses) {
            if (guess.length != p) {
                throw new IllegalArgumentException("a starting guess for " + law.id() + " needs " + p + " values");
            }
        }
        AtomicInteger evaluations = new AtomicInteger();

        SobolSequenceGenerator sobol = new SobolSequenceGenerator(p);
        sobol.skipTo(1); // the first Sobol point is the start box's lowest corner
        List<double[]> screened = new ArrayList<>();
        for (int s = 0; s < options.starts(); s++) {
            screened.add(bounds.toUnbounded(bounds.startFromUnit(sobol.nextVector())));
        }
        double[] screenedObjective = screened.parallelStream()
                .mapToDouble(u -> problem.objective(options.loss(), bounds.toNatural(u))).toArray();
        evaluations.addAndGet(screened.size());
        List<double[]> starts = new ArrayList<>();
        IntStream.range(0, screened.size()).boxed()
                .sorted(Comparator.comparingDouble(i -> screenedObjective[i]))
                .limit(options.refined()).forEach(i -> starts.add(screened.get(i)));
        for (double[] guess : guesses) {
            starts.add(bounds.toUnbounded(guess));
        }

        Refined best = starts.parallelStream().map(u -> refine(problem, bounds, u, evaluations))
                .min(Comparator.comparingDouble(Refined::objective)).orElseThrow();
        if (!Double.isFinite(best.objective)) {
            throw new IllegalArgumentException(law.id() + " predicts no finite positive loss on these curves from any start");
        }
        double[] values = bounds.toNatural(best.point);
        return summarise(problem, parameters, values, best.objective, evaluations.get());
    }

    private record Refined(double[] point, double objective) {
    }

    /** One Levenberg-Marquardt run on the root-Huber residuals, from unbounded point {@code start}. */
    private Refined refine(FitProblem problem, BoundedParameters bounds, double[] start, AtomicInteger evaluations) {
        HuberLoss loss = options.loss();
        int n = problem.size();
        int p = bounds.size();
        double[] bestPoint = start.clone();
        double[] bestCost = {Double.POSITIVE_INFINITY};
        LeastSquaresProblem lsq = new LeastSquaresBuilder()
                .start(start)
                .target(new double[n])
                .maxEvaluations(options.maxEvaluations())
                .maxIterations(options.maxEvaluations())
                .model(point -> {
                    evaluations.incrementAndGet();
                    double[] u = point.toArray();
                    double[] params = bounds.toNatural(u);
                    double[] slope = bounds.slopes(u, params);
                    double[][] jp = new double[n][p];
                    double[] predicted = problem.predict(params, jp);
                    double[] r = problem.logResiduals(predicted);
                    double[] f = new double[n];
                    double[][] jf = new double[n][p];
                    double cost = 0;
                    for (int i = 0; i < n; i++) {
                        f[i] = loss.rootResidual(r[i]);
                        cost += f[i] * f[i];
                        double scale = predicted[i] > 0 ? loss.rootResidualSlope(r[i]) / predicted[i] : 0;
                        for (int j = 0; j < p; j++) {
                            double d = scale * jp[i][j] * slope[j];
                            jf[i][j] = Double.isFinite(d) ? d : 0;
                        }
                    }
                    if (!Double.isFinite(cost)) {
                        // Keep LM away: a huge but finite cost makes it shrink the step.
                        Arrays.fill(f, 1e10);
                        cost = Double.MAX_VALUE;
                    }
                    if (cost < bestCost[0]) {
                        bestCost[0] = cost;
                        System.arraycopy(u, 0, bestPoint, 0, p);
                    }
                    return new Pair<>(new ArrayRealVector(f, false), new Array2DRowRealMatrix(jf, false));
                })
                .build();
        try {
            new LevenbergMarquardtOptimizer().optimize(lsq);
        } catch (MathIllegalStateException budgetOrTolerance) {
            // Out of evaluations, or converged below what the tolerances can tell: keep the best point seen.
        }
        return new Refined(bestPoint, bestCost[0] / 2);
    }

    private FittedLaw summarise(FitProblem problem, List<Parameter> parameters, double[] values, double objective,
            int evaluations) {
        int n = problem.size();
        int p = values.length;
        double[][] jp = new double[n][p];
        double[] predicted = problem.predict(values, jp);
        double[] r = problem.logResiduals(predicted);

        double[] absolute = Arrays.stream(r).map(Math::abs).sorted().toArray();
        double median = n % 2 == 1 ? absolute[n / 2] : 0.5 * (absolute[n / 2 - 1] + absolute[n / 2]);
        double noise = MAD_TO_SD * median;
        double inflation = autocorrelationInflation(problem, r);

        // Jacobian of log(prediction) in log coordinates for log-scaled parameters: columns of one scale.
        double[][] jt = new double[n][p];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                double scale = parameters.get(j).logScale() ? values[j] : 1;
                jt[i][j] = jp[i][j] / predicted[i] * scale;
            }
        }
        double[][] covariance = new double[p][p];
        if (noise > 0) {
            SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(jt, false));
            double[] sv = svd.getSingularValues();
            RealMatrix v = svd.getV();
            double s2 = noise * noise * inflation;
            for (int k = 0; k < sv.length; k++) {
                if (sv[k] <= SINGULAR_CUTOFF * sv[0]) {
                    continue;
                }
                double w = s2 / (sv[k] * sv[k]);
                for (int a = 0; a < p; a++) {
                    for (int b = 0; b < p; b++) {
                        covariance[a][b] += w * v.getEntry(a, k) * v.getEntry(b, k);
                    }
                }
            }
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    double sa = parameters.get(a).logScale() ? values[a] : 1;
                    double sb = parameters.get(b).logScale() ? values[b] : 1;
                    covariance[a][b] *= sa * sb;
                }
            }
        }
        List<CurveError> curves = problem.errors(predicted);
        FitQuality quality = new FitQuality(objective, CurveError.pooled("fit set", curves), curves, evaluations);
        double maxLr = problem.curves.stream().flatMapToDouble(c -> java.util.Arrays.stream(c.lrs())).max().orElse(0);
        return new FittedLaw(problem.law, parameters.stream().map(Parameter::name).toList(), values, covariance,
                noise, quality, maxLr);
    }

    /** n / n_eff for residuals with lag-1 autocorrelation rho1 within each curve: (1 + rho1) / (1 - rho1). */
    private static double autocorrelationInflation(FitProblem problem, double[] r) {
        double lagged = 0;
        double squares = 0;
        for (int c = 0; c + 1 < problem.offsets.length; c++) {
            int from = problem.offsets[c];
            int to = problem.offsets[c + 1];
            double mean = 0;
            for (int i = from; i < to; i++) {
                mean += r[i];
            }
            mean /= to - from;
            for (int i = from; i < to; i++) {
                double d = r[i] - mean;
                squares += d * d;
                if (i > from) {
                    lagged += d * (r[i - 1] - mean);
                }
            }
        }
        double rho1 = squares > 0 ? Math.min(Math.max(lagged / squares, 0), MAX_LAG1) : 0;
        return (1 + rho1) / (1 - rho1);
    }
}
