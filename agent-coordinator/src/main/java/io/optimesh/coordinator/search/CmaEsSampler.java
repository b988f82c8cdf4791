package io.optimesh.coordinator.search;

import io.optimesh.coordinator.study.TrialStates;
import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.RealMatrix;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * CMA-ES, Hansen's (mu/mu_w, lambda) strategy with the default parameters of "The CMA Evolution
 * Strategy: A Tutorial" (2016), over the unconditional float and integer parameters mapped into the
 * unit box ({@link UnitBox}). It starts at the box's centre with step size 1/6 of the box, as
 * Optuna's CmaEsSampler does; categorical and conditional parameters are drawn independently at
 * random, as Optuna does for what its CMA-ES cannot model.
 *
 * <p>Trials {@code g*lambda .. (g+1)*lambda - 1} form generation {@code g}. The strategy's state is
 * rebuilt from the history at every proposal: generation by generation, each one whose trials have
 * all ended updates the state, up to the first that has not. Generation {@code g} is sampled from
 * that state with normal draws seeded by (seed, index), points outside the box drawn again (at
 * most 100 times, then clipped). The update reads each member's point from its recorded parameter
 * values, so a member that came from an older state (parallelism beyond lambda, a restart) or had
 * its integers rounded is taken as an injected solution: its step is shortened to Mahalanobis
 * length at most sqrt(n) + 2n/(n+2) (Hansen, "Injecting external solutions into CMA-ES", 2011).
 * Ranking: succeeded trials by objective, then pruned ones (further first, then by last loss), then
 * diverged and failed ones, ties in creation order.
 */
public final class CmaEsSampler implements Sampler {

    private static final int MAX_RESAMPLES = 100;

    private final List<SearchParameter> continuous = new ArrayList<>();
    private final RandomSampler independent;
    private final long seed;
    private final int n;
    private final Strategy strategy;

    public CmaEsSampler(SearchSpace space, long seed) {
        for (SearchParameter p : SearchSpaces.ordered(space)) {
            if (!p.hasCondition()
                    && (p.getDomainCase() == SearchParameter.DomainCase.FLOAT_DOMAIN
                            || p.getDomainCase() == SearchParameter.DomainCase.INT_DOMAIN)) {
                continuous.add(p);
            }
        }
        this.seed = seed;
        this.n = continuous.size();
        this.independent = new RandomSampler(space, RandomSampler.trialSeed(seed, -2));
        this.strategy = n == 0 ? null : new Strategy(n);
    }

    /** Points per generation: 4 + floor(3 ln n). */
    public int populationSize() {
        return n == 0 ? 1 : strategy.lambda;
    }

    @Override
    public Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history) {
        Map<String, ParameterValue> values =
                new LinkedHashMap<>(independent.propose(index, history).orElseThrow());
        if (n > 0) {
            State state = stateFor(index / strategy.lambda, history);
            double[] x = state.sample(new SplittableRandom(RandomSampler.trialSeed(seed, index)));
            for (int j = 0; j < n; j++) {
                values.put(continuous.get(j).getName(), UnitBox.fromUnit(continuous.get(j), x[j]));
            }
        }
        return Optional.of(Collections.unmodifiableMap(values));
    }

    /** The state after every complete generation before {@code generation}, in order. */
    State stateFor(int generation, List<Trial> history) {
        State state = State.initial(strategy);
        for (int g = 0; g < generation; g++) {
            int from = g * strategy.lambda;
            int to = from + strategy.lambda;
            if (history.size() < to) {
                break;
            }
            List<Trial> members = history.subList(from, to);
            if (!members.stream().allMatch(t -> TrialStates.completed(t.getState()))) {
                break;
            }
            state = state.update(points(ranked(members)));
        }
        return state;
    }

    private double[][] points(List<Trial> ranked) {
        double[][] xs = new double[ranked.size()][n];
        for (int i = 0; i < ranked.size(); i++) {
            Map<String, ParameterValue> v = ranked.get(i).getParametersMap();
            for (int j = 0; j < n; j++) {
                SearchParameter p = continuous.get(j);
                ParameterValue value = v.get(p.getName());
                xs[i][j] = value == null ? 0.5 : UnitBox.toUnit(p, value);
            }
        }
        return xs;
    }

    /** Members best first: the observations in TPE's order, then the rest by creation. */
    private static List<Trial> ranked(List<Trial> members) {
        Set<Trial> ordered = new LinkedHashSet<>(TpeSampler.ranked(members));
        ordered.addAll(members);
        return new ArrayList<>(ordered);
    }

    /** The strategy's constants for dimension n. */
    static final class Strategy {
        final int n;
        final int lambda;
        final int mu;
        final double[] weights;
        final double muEff;
        final double cSigma;
        final double dSigma;
        final double cc;
        final double c1;
        final double cMu;
        final double chiN;

        Strategy(int n) {
            this.n = n;
            this.lambda = 4 + (int) Math.floor(3 * Math.log(n));
            this.mu = lambda / 2;
            double[] w = new double[mu];
            double sum = 0;
            for (int i = 0; i < mu; i++) {
                w[i] = Math.log((lambda + 1) / 2.0) - Math.log(i + 1);
                sum += w[i];
            }
            double sumSq = 0;
            for (int i = 0; i < mu; i++) {
                w[i] /= sum;
                sumSq += w[i] * w[i];
            }
            this.weights = w;
            this.muEff = 1.0 / sumSq;
            this.cSigma = (muEff + 2) / (n + muEff + 5);
            this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
            this.cc = (4 + muEff / n) / (n + 4 + 2 * muEff / n);
            this.c1 = 2 / ((n + 1.3) * (n + 1.3) + muEff);
            this.cMu =
                    Math.min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((n + 2) * (n + 2) + muEff));
            this.chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        }
    }

    /** Mean, step size, covariance and evolution paths after {@code generation} updates. */
    record State(
            Strategy s,
            int generation,
            double[] mean,
            double sigma,
            double[][] c,
            double[] pSigma,
            double[] pc) {

        static State initial(Strategy s) {
            double[] mean = new double[s.n];
            double[][] c = new double[s.n][s.n];
            for (int i = 0; i < s.n; i++) {
                mean[i] = 0.5;
                c[i][i] = 1;
            }
            return new State(s, 0, mean, 1.0 / 6, c, new double[s.n], new double[s.n]);
        }

        /** m + sigma B D z, drawn again while outside the unit box. */
        double[] sample(SplittableRandom random) {
            Eigen e = eigen();
            double[] x = new double[s.n];
            for (int attempt = 0; attempt < MAX_RESAMPLES; attempt++) {
                double[] z = new double[s.n];
                for (int i = 0; i < s.n; i++) {
                    z[i] = e.d[i] * random.nextGaussian();
                }
                boolean inside = true;
                for (int i = 0; i < s.n; i++) {
                    double bz = 0;
                    for (int k = 0; k < s.n; k++) {
                        bz += e.b[i][k] * z[k];
                    }
                    x[i] = mean[i] + sigma * bz;
                    inside &= x[i] >= 0 && x[i] <= 1;
                }
                if (inside) {
                    return x;
                }
            }
            for (int i = 0; i < s.n; i++) {
                x[i] = Math.min(1, Math.max(0, x[i]));
            }
            return x;
        }

        /** One generation's update from its lambda points, best first. */
        State update(double[][] ranked) {
            int n = s.n;
            Eigen e = eigen();
            double clip = Math.sqrt(n) + 2.0 * n / (n + 2);
            double[][] y = new double[s.mu][];
            for (int k = 0; k < s.mu; k++) {
                double[] yk = new double[n];
                for (int i = 0; i < n; i++) {
                    yk[i] = (ranked[k][i] - mean[i]) / sigma;
                }
                double norm = norm(e.invSqrt(yk));
                if (norm > clip) {
                    for (int i = 0; i < n; i++) {
                        yk[i] *= clip / norm;
                    }
                }
                y[k] = yk;
            }
            double[] yw = new double[n];
            for (int k = 0; k < s.mu; k++) {
                for (int i = 0; i < n; i++) {
                    yw[i] += s.weights[k] * y[k][i];
                }
            }
            double[] m2 = new double[n];
            for (int i = 0; i < n; i++) {
                m2[i] = mean[i] + sigma * yw[i];
            }
            double[] cInvYw = e.invSqrt(yw);
            double[] ps2 = new double[n];
            double a = Math.sqrt(s.cSigma * (2 - s.cSigma) * s.muEff);
            for (int i = 0; i < n; i++) {
                ps2[i] = (1 - s.cSigma) * pSigma[i] + a * cInvYw[i];
            }
            double psNorm = norm(ps2);
            boolean hSigma =
                    psNorm / Math.sqrt(1 - Math.pow(1 - s.cSigma, 2.0 * (generation + 1)))
                            < (1.4 + 2.0 / (n + 1)) * s.chiN;
            double[] pc2 = new double[n];
            double b = Math.sqrt(s.cc * (2 - s.cc) * s.muEff);
            for (int i = 0; i < n; i++) {
                pc2[i] = (1 - s.cc) * pc[i] + (hSigma ? b * yw[i] : 0);
            }
            double delta = hSigma ? 0 : s.cc * (2 - s.cc);
            double[][] c2 = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double rankMu = 0;
                    for (int k = 0; k < s.mu; k++) {
                        rankMu += s.weights[k] * y[k][i] * y[k][j];
                    }
                    c2[i][j] =
                            (1 + s.c1 * delta - s.c1 - s.cMu) * c[i][j]
                                    + s.c1 * pc2[i] * pc2[j]
                                    + s.cMu * rankMu;
                }
            }
            double sigma2 = sigma * Math.exp(s.cSigma / s.dSigma * (psNorm / s.chiN - 1));
            return new State(s, generation + 1, m2, sigma2, c2, ps2, pc2);
        }

        private Eigen eigen() {
            RealMatrix cm = new Array2DRowRealMatrix(c);
            EigenDecompositionSymmetric ed = new EigenDecompositionSymmetric(cm);
            double[] ev = ed.getEigenvalues();
            double[] d = new double[s.n];
            for (int i = 0; i < s.n; i++) {
                d[i] = Math.sqrt(Math.max(ev[i], 1e-20));
            }
            return new Eigen(ed.getV().getData(), d);
        }

        private static double norm(double[] v) {
            double sum = 0;
            for (double x : v) {
                sum += x * x;
            }
            return Math.sqrt(sum);
        }
    }

    /** C = B diag(d)^2 B^T. */
    private record Eigen(double[][] b, double[] d) {

        /** C^(-1/2) v = B diag(1/d) B^T v. */
        double[] invSqrt(double[] v) {
            int n = d.length;
            double[] t = new double[n];
            for (int k = 0; k < n; k++) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += b[i][k] * v[i];
                }
                t[k] = dot / d[k];
            }
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < n; k++) {
                    out[i] += b[i][k] * t[k];
                }
            }
            return out;
        }
    }
}
