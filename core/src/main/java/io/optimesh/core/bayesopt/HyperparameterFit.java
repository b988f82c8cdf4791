package io.optimesh.core.bayesopt;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.SimpleValueChecker;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunctionGradient;
import org.hipparchus.optim.nonlinear.scalar.gradient.NonLinearConjugateGradientOptimizer;

/**
 * Type-II maximum likelihood: the hyper-parameters that maximise the log marginal likelihood of the
 * standardised observations, within bounds, from a default start and {@code restarts} random ones
 * (Polak-Ribiere conjugate gradients on the analytic gradient). The bounds are imposed by optimising
 * unconstrained {@code u} with {@code log theta = lo + (hi - lo) sigmoid(u)}, so every step stays feasible.
 */
public final class HyperparameterFit {

    /** Length-scales in the unit box: from a thirtieth of it to five times it (then the dimension hardly matters). */
    public static final double MIN_LENGTH_SCALE = 0.03;
    public static final double MAX_LENGTH_SCALE = 5;
    /** Signal variance of standardised targets. */
    public static final double MIN_SIGNAL_VARIANCE = 0.05;
    public static final double MAX_SIGNAL_VARIANCE = 20;
    /** Noise variance of standardised targets: from nearly exact to all of the variance. */
    public static final double MIN_NOISE_VARIANCE = 1e-6;
    public static final double MAX_NOISE_VARIANCE = 1;

    private static final Hyperparameters START_SHAPE = new Hyperparameters(new double[] {0.3}, 1, 1e-3);

    private final int restarts;

    public HyperparameterFit(int restarts) {
        if (restarts < 0) {
            throw new IllegalArgumentException("restarts must be non-negative, got " + restarts);
        }
        this.restarts = restarts;
    }

    /** The bounds of {@link Hyperparameters#toLog()} in {@code dimensions} dimensions: {lower, upper}. */
    public static double[][] logBounds(int dimensions) {
        double[] lo = new double[dimensions + 2];
        double[] hi = new double[dimensions + 2];
        Arrays.fill(lo, 0, dimensions, Math.log(MIN_LENGTH_SCALE));
        Arrays.fill(hi, 0, dimensions, Math.log(MAX_LENGTH_SCALE));
        lo[dimensions] = Math.log(MIN_SIGNAL_VARIANCE);
        hi[dimensions] = Math.log(MAX_SIGNAL_VARIANCE);
        lo[dimensions + 1] = Math.log(MIN_NOISE_VARIANCE);
        hi[dimensions + 1] = Math.log(MAX_NOISE_VARIANCE);
        return new double[][] {lo, hi};
    }

    /** The process on these observations under the hyper-parameters of highest marginal likelihood found. */
    public GaussianProcess fit(double[][] unitPoints, double[] values, SplittableRandom random) {
        int d = unitPoints[0].length;
        double[][] bounds = logBounds(d);
        double[] lo = bounds[0];
        double[] hi = bounds[1];
        double[] start = new double[d + 2];
        Arrays.fill(start, 0, d, Math.log(START_SHAPE.lengthScales()[0]));
        start[d] = Math.log(START_SHAPE.signalVariance());
        start[d + 1] = Math.log(START_SHAPE.noiseVariance());
        GaussianProcess initial = GaussianProcess.fit(unitPoints, values, Hyperparameters.fromLog(start));
        Likelihood likelihood = new Likelihood(initial, lo, hi);
        for (int r = 0; r <= restarts; r++) {
            double[] theta = start.clone();
            if (r > 0) {
                for (int j = 0; j < theta.length; j++) {
                    theta[j] = lo[j] + random.nextDouble() * (hi[j] - lo[j]);
                }
            }
            double[] u = new double[theta.length];
            for (int j = 0; j < u.length; j++) {
                double p = Math.min(1 - 1e-9, Math.max(1e-9, (theta[j] - lo[j]) / (hi[j] - lo[j])));
                u[j] = Math.log(p / (1 - p));
            }
            likelihood.value(u);
            NonLinearConjugateGradientOptimizer optimizer = new NonLinearConjugateGradientOptimizer(
                    NonLinearConjugateGradientOptimizer.Formula.POLAK_RIBIERE, new SimpleValueChecker(1e-10, 1e-10, 200));
            try {
                optimizer.optimize(new MaxEval(2000), new ObjectiveFunction(likelihood::value),
                        new ObjectiveFunctionGradient(likelihood::gradient), GoalType.MAXIMIZE, new InitialGuess(u));
            } catch (MathIllegalStateException e) {
                // Out of evaluations or a line search that cannot bracket: keep the best point seen so far.
            }
        }
        return likelihood.best;
    }

    /** The log marginal likelihood as a function of {@code u}, remembering the best process it has seen. */
    private static final class Likelihood {

        private final GaussianProcess base;
        private final double[] lo;
        private final double[] hi;
        private GaussianProcess best;
        private double bestValue = Double.NEGATIVE_INFINITY;
        private double[] lastU;
        private GaussianProcess last;

        Likelihood(GaussianProcess base, double[] lo, double[] hi) {
            this.base = base;
            this.lo = lo;
            this.hi = hi;
            this.best = base;
        }

        double value(double[] u) {
            GaussianProcess gp = at(u);
            if (gp == null) {
                return -1e300;
            }
            double v = gp.logMarginalLikelihood();
            if (v > bestValue) {
                bestValue = v;
                best = gp;
            }
            return v;
        }

        double[] gradient(double[] u) {
            GaussianProcess gp = at(u);
            double[] g = new double[u.length];
            if (gp == null) {
                return g;
            }
            double[] dTheta = gp.logMarginalLikelihoodGradient();
            for (int j = 0; j < u.length; j++) {
                double s = sigmoid(u[j]);
                g[j] = dTheta[j] * (hi[j] - lo[j]) * s * (1 - s);
            }
            return g;
        }

        private GaussianProcess at(double[] u) {
            if (lastU != null && Arrays.equals(lastU, u)) {
                return last;
            }
            double[] theta = new double[u.length];
            for (int j = 0; j < u.length; j++) {
                theta[j] = lo[j] + (hi[j] - lo[j]) * sigmoid(u[j]);
            }
            GaussianProcess gp;
            try {
                gp = base.withHyperparameters(Hyperparameters.fromLog(theta));
            } catch (IllegalStateException e) {
                gp = null;
            }
            lastU = u.clone();
            last = gp;
            return gp;
        }

        private static double sigmoid(double x) {
            return 1 / (1 + Math.exp(-x));
        }
    }
}
