package io.optimesh.coordinator.search;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;

import org.hipparchus.special.Erf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The Tree-structured Parzen Estimator (Bergstra et al., 2011), with Optuna's defaults: the first
 * {@code startupTrials} proposals are random; after that the observed trials are split at the gamma
 * quantile (the best {@code min(ceil(0.1 n), 25)} are "good"), and each parameter is drawn
 * independently as the best of {@code eiCandidates} draws from l(x), the Parzen estimator of the
 * good trials, by the ratio l(x)/g(x) against the estimator g of the others.
 *
 * <p>Numeric parameters use a mixture of Gaussians truncated to the range (in the logarithm on a
 * log scale; integers as [min - 0.5, max + 0.5]) with one component per observation plus a prior
 * component at the centre of the range with the range as its width; each observation's bandwidth
 * is the larger distance to its neighbours, clipped to [range / min(100, 1 + n), range] (Optuna's
 * "magic clip"). Categories use smoothed counts: each observation adds one to its category on top
 * of a uniform prior. A conditional parameter learns only from the trials where it was active.
 *
 * <p>Observations are the trials that succeeded, ranked by objective; then pruned trials, those
 * that got further first, then by their last reported loss; then diverged trials. Failed and
 * running trials are not observations. Draws come from a generator seeded by (seed, index), so
 * the proposal depends only on the seed, the index and the history.
 */
public final class TpeSampler implements Sampler {

    public static final int DEFAULT_STARTUP_TRIALS = 10;
    public static final int DEFAULT_EI_CANDIDATES = 24;

    private static final double PRIOR_WEIGHT = 1.0;

    private final List<SearchParameter> parameters;
    private final long seed;
    private final int startupTrials;
    private final int eiCandidates;
    private final RandomSampler startup;

    public TpeSampler(SearchSpace space, long seed) {
        this(space, seed, DEFAULT_STARTUP_TRIALS, DEFAULT_EI_CANDIDATES);
    }

    public TpeSampler(SearchSpace space, long seed, int startupTrials, int eiCandidates) {
        this.parameters = SearchSpaces.ordered(space);
        this.seed = seed;
        this.startupTrials = startupTrials;
        this.eiCandidates = eiCandidates;
        this.startup = new RandomSampler(space, seed);
    }

    @Override
    public Optional<Map<String, ParameterValue>> propose(int index, List<Trial> history) {
        List<Trial> ranked = ranked(history);
        if (ranked.size() < startupTrials) {
            return startup.propose(index, history);
        }
        int good = gamma(ranked.size());
        List<Trial> below = byIndex(ranked.subList(0, good), history);
        List<Trial> above = byIndex(ranked.subList(good, ranked.size()), history);
        SplittableRandom random = new SplittableRandom(RandomSampler.trialSeed(seed, index));
        Map<String, ParameterValue> values = new LinkedHashMap<>();
        for (SearchParameter p : parameters) {
            if (SearchSpaces.active(p, values)) {
                values.put(p.getName(), sample(p, below, above, random));
            }
        }
        return Optional.of(Collections.unmodifiableMap(values));
    }

    /** Optuna's default gamma: the good share of n observations. */
    static int gamma(int n) {
        return Math.min((int) Math.ceil(0.1 * n), 25);
    }

    /** Optuna's default weights: equal for the last 25 observations, ramping down before them. */
    static double[] weights(int n) {
        double[] w = new double[n];
        int ramp = Math.max(0, n - 25);
        for (int i = 0; i < n; i++) {
            double t = ramp == 1 ? 0 : i / (ramp - 1.0);
            w[i] = i >= ramp ? 1.0 : 1.0 / n + (1.0 - 1.0 / n) * t;
        }
        return w;
    }

    private ParameterValue sample(
            SearchParameter p, List<Trial> below, List<Trial> above, SplittableRandom random) {
        if (p.getDomainCase() == SearchParameter.DomainCase.CATEGORICAL_DOMAIN) {
            List<String> choices = p.getCategoricalDomain().getValuesList();
            double[] l = categorical(p, choices, below);
            double[] g = categorical(p, choices, above);
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < eiCandidates; c++) {
                int k = draw(l, random);
                double score = Math.log(l[k]) - Math.log(g[k]);
                if (score > bestScore) {
                    bestScore = score;
                    best = k;
                }
            }
            return ParameterValues.ofCategory(choices.get(best));
        }
        Numeric scale = Numeric.of(p);
        Parzen l = Parzen.fit(scale, observed(p, below, scale));
        Parzen g = Parzen.fit(scale, observed(p, above, scale));
        double best = Double.NaN;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < eiCandidates; c++) {
            double x = l.sample(random);
            double score = l.logDensity(x) - g.logDensity(x);
            if (score > bestScore) {
                bestScore = score;
                best = x;
            }
        }
        return scale.value(best);
    }

    /** Smoothed category probabilities: the prior's and each observation's kernels, averaged. */
    private static double[] categorical(SearchParameter p, List<String> choices, List<Trial> ts) {
        List<Integer> obs = new ArrayList<>();
        for (Trial t : ts) {
            ParameterValue v = t.getParametersMap().get(p.getName());
            if (v != null && v.getKindCase() == ParameterValue.KindCase.CATEGORICAL_VALUE) {
                int k = choices.indexOf(v.getCategoricalValue());
                if (k >= 0) {
                    obs.add(k);
                }
            }
        }
        int kinds = choices.size();
        double[] w = weights(obs.size());
        double total = PRIOR_WEIGHT;
        for (double wi : w) {
            total += wi;
        }
        double[] prob = new double[kinds];
        for (int c = 0; c < kinds; c++) {
            prob[c] = PRIOR_WEIGHT / total / kinds;
        }
        for (int i = 0; i < obs.size(); i++) {
            // Each observation's kernel: PRIOR_WEIGHT / kinds on every category, plus one on its
            // own, normalised.
            double norm = 1.0 + PRIOR_WEIGHT;
            for (int c = 0; c < kinds; c++) {
                double k = PRIOR_WEIGHT / kinds + (c == obs.get(i) ? 1.0 : 0.0);
                prob[c] += w[i] / total * k / norm;
            }
        }
        return prob;
    }

    private static int draw(double[] prob, SplittableRandom random) {
        double u = random.nextDouble();
        double acc = 0;
        for (int k = 0; k < prob.length; k++) {
            acc += prob[k];
            if (u < acc) {
                return k;
            }
        }
        return prob.length - 1;
    }

    private static double[] observed(SearchParameter p, List<Trial> ts, Numeric scale) {
        List<Double> xs = new ArrayList<>();
        for (Trial t : ts) {
            ParameterValue v = t.getParametersMap().get(p.getName());
            if (v != null
                    && (v.getKindCase() == ParameterValue.KindCase.FLOAT_VALUE
                            || v.getKindCase() == ParameterValue.KindCase.INT_VALUE)) {
                xs.add(scale.internal(ParameterValues.asDouble(v)));
            }
        }
        return xs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The observations, best first; see the class comment for the order. */
    static List<Trial> ranked(List<Trial> history) {
        List<Trial> succeeded = new ArrayList<>();
        List<Trial> pruned = new ArrayList<>();
        List<Trial> diverged = new ArrayList<>();
        for (Trial t : history) {
            switch (t.getState()) {
                case TRIAL_STATE_SUCCEEDED -> {
                    if (t.hasObjectiveValue() && Double.isFinite(t.getObjectiveValue())) {
                        succeeded.add(t);
                    } else {
                        diverged.add(t);
                    }
                }
                case TRIAL_STATE_PRUNED -> {
                    if (t.getIntermediateValuesCount() > 0) {
                        pruned.add(t);
                    } else {
                        diverged.add(t);
                    }
                }
                case TRIAL_STATE_DIVERGED -> diverged.add(t);
                default -> {}
            }
        }
        // Stable sorts keep creation order among equals.
        succeeded.sort(Comparator.comparingDouble(Trial::getObjectiveValue));
        pruned.sort(
                Comparator.comparingLong((Trial t) -> -lastStep(t))
                        .thenComparingDouble(TpeSampler::lastValue));
        List<Trial> ranked = new ArrayList<>(succeeded);
        ranked.addAll(pruned);
        ranked.addAll(diverged);
        return ranked;
    }

    private static long lastStep(Trial t) {
        return t.getIntermediateValues(t.getIntermediateValuesCount() - 1).getStep();
    }

    private static double lastValue(Trial t) {
        double v = t.getIntermediateValues(t.getIntermediateValuesCount() - 1).getValue();
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    /** Trials back in creation order, which the weights assume (older observations count less). */
    private static List<Trial> byIndex(List<Trial> subset, List<Trial> history) {
        List<Trial> out = new ArrayList<>(subset);
        out.sort(Comparator.comparingInt(history::indexOf));
        return out;
    }

    /** A numeric parameter's internal scale: where its Parzen estimator lives. */
    record Numeric(double low, double high, boolean log, boolean integer, double min, double max) {

        static Numeric of(SearchParameter p) {
            if (p.getDomainCase() == SearchParameter.DomainCase.INT_DOMAIN) {
                var d = p.getIntDomain();
                double lo = d.getMin() - 0.5;
                double hi = d.getMax() + 0.5;
                return d.getLog()
                        ? new Numeric(
                                Math.log(lo), Math.log(hi), true, true, d.getMin(), d.getMax())
                        : new Numeric(lo, hi, false, true, d.getMin(), d.getMax());
            }
            var d = p.getFloatDomain();
            return d.getLog()
                    ? new Numeric(
                            Math.log(d.getMin()),
                            Math.log(d.getMax()),
                            true,
                            false,
                            d.getMin(),
                            d.getMax())
                    : new Numeric(d.getMin(), d.getMax(), false, false, d.getMin(), d.getMax());
        }

        double internal(double x) {
            return log ? Math.log(x) : x;
        }

        ParameterValue value(double internal) {
            double x = log ? Math.exp(internal) : internal;
            if (integer) {
                return ParameterValues.ofInt(Math.round(Math.min(max, Math.max(min, x))));
            }
            return ParameterValues.ofFloat(Math.min(max, Math.max(min, x)));
        }
    }

    /** A mixture of Gaussians truncated to [low, high]. */
    record Parzen(double low, double high, double[] mus, double[] sigmas, double[] weights) {

        static Parzen fit(Numeric scale, double[] observations) {
            int n = observations.length;
            double low = scale.low();
            double high = scale.high();
            double range = high - low;
            double prior = 0.5 * (low + high);
            double[] mus = new double[n + 1];
            System.arraycopy(observations, 0, mus, 0, n);
            mus[n] = prior;
            double[] sigmas = bandwidths(mus, low, high);
            sigmas[n] = range;
            double minSigma = range / Math.min(100.0, 1.0 + n);
            for (int i = 0; i < n; i++) {
                sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i]));
            }
            double[] w = new double[n + 1];
            double[] ramp = TpeSampler.weights(n);
            double total = PRIOR_WEIGHT;
            for (int i = 0; i < n; i++) {
                w[i] = ramp[i];
                total += ramp[i];
            }
            w[n] = PRIOR_WEIGHT;
            for (int i = 0; i <= n; i++) {
                w[i] /= total;
            }
            return new Parzen(low, high, mus, sigmas, w);
        }

        /**
         * Each centre's bandwidth is the larger gap to its sorted neighbours, the range's ends
         * counting as neighbours, except that the outermost centres only look inwards.
         */
        static double[] bandwidths(double[] mus, double low, double high) {
            int m = mus.length;
            Integer[] order = new Integer[m];
            for (int i = 0; i < m; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, Comparator.comparingDouble(i -> mus[i]));
            double[] ends = new double[m + 2];
            ends[0] = low;
            ends[m + 1] = high;
            for (int i = 0; i < m; i++) {
                ends[i + 1] = mus[order[i]];
            }
            double[] sorted = new double[m];
            for (int i = 0; i < m; i++) {
                sorted[i] = Math.max(ends[i + 1] - ends[i], ends[i + 2] - ends[i + 1]);
            }
            if (m + 2 >= 4) {
                sorted[0] = ends[2] - ends[1];
                sorted[m - 1] = ends[m] - ends[m - 1];
            }
            double[] sigmas = new double[m];
            for (int i = 0; i < m; i++) {
                sigmas[order[i]] = sorted[i];
            }
            return sigmas;
        }

        double sample(SplittableRandom random) {
            int k = draw(weights, random);
            // The centre lies in the range and the width is at most the range, so at least a
            // third of the draws land inside; the cap only guards against rounding.
            for (int attempt = 0; attempt < 1000; attempt++) {
                double x = mus[k] + sigmas[k] * random.nextGaussian();
                if (x >= low && x <= high) {
                    return x;
                }
            }
            return Math.min(high, Math.max(low, mus[k]));
        }

        double logDensity(double x) {
            double p = 0;
            for (int i = 0; i < mus.length; i++) {
                double z = (x - mus[i]) / sigmas[i];
                double mass = cdf((high - mus[i]) / sigmas[i]) - cdf((low - mus[i]) / sigmas[i]);
                double norm = Math.sqrt(2 * Math.PI) * sigmas[i] * mass;
                p += weights[i] * Math.exp(-0.5 * z * z) / norm;
            }
            return Math.log(p);
        }

        private static double cdf(double z) {
            return 0.5 * (1 + Erf.erf(z / Math.sqrt(2)));
        }
    }
}
