package io.optimesh.core.bayesopt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Ask-and-tell Bayesian minimisation over a {@link Box}: {@link #suggest()} the next point, evaluate it,
 * {@link #observe} the value. The first suggestions are the initial design; after it each suggestion
 * maximises the acquisition (or GP-Hedge's pick among EI, PI and UCB) under a Gaussian process refitted
 * on every observation so far. Observations may arrive in any order and need not come from
 * {@link #suggest()}. Not thread-safe.
 */
public final class BayesianOptimizer {

    /** How the next point is chosen once the initial design is spent. */
    public enum Strategy {
        GP_HEDGE, EXPECTED_IMPROVEMENT, PROBABILITY_OF_IMPROVEMENT, UPPER_CONFIDENCE_BOUND
    }

    /** What proposed a suggestion. */
    public enum Proposer {
        INITIAL_DESIGN, EXPECTED_IMPROVEMENT, PROBABILITY_OF_IMPROVEMENT, UPPER_CONFIDENCE_BOUND;

        static Proposer of(Acquisition a) {
            return switch (a) {
                case EXPECTED_IMPROVEMENT -> EXPECTED_IMPROVEMENT;
                case PROBABILITY_OF_IMPROVEMENT -> PROBABILITY_OF_IMPROVEMENT;
                case UPPER_CONFIDENCE_BOUND -> UPPER_CONFIDENCE_BOUND;
            };
        }
    }

    /**
     * @param xi exploration margin of EI and PI, in standardised units (0.01)
     * @param kappa width of the confidence bound (1.96)
     * @param hedgeEta GP-Hedge's learning rate (1)
     * @param restarts random restarts of the hyper-parameter fit besides the default start
     * @param candidates Sobol points per dimension scored before local search of the acquisition
     * @param localStarts best candidates polished by local search
     */
    public record Settings(Strategy strategy, double xi, double kappa, double hedgeEta, int restarts, int candidates,
            int localStarts) {

        public static Settings defaults() {
            return new Settings(Strategy.GP_HEDGE, 0.01, 1.96, 1.0, 4, 512, 5);
        }

        public Settings withStrategy(Strategy s) {
            return new Settings(s, xi, kappa, hedgeEta, restarts, candidates, localStarts);
        }
    }

    /** A point to evaluate, in the box's coordinates, and what proposed it. */
    public record Suggestion(double[] point, Proposer proposer) {
        public Suggestion {
            point = point.clone();
        }

        @Override
        public double[] point() {
            return point.clone();
        }
    }

    /** An evaluated point, in the box's coordinates. */
    public record Observation(double[] point, double value) {
        public Observation {
            point = point.clone();
        }

        @Override
        public double[] point() {
            return point.clone();
        }
    }

    private final Box box;
    private final List<double[]> initialDesign;
    private final Settings settings;
    private final SplittableRandom random;
    private final HyperparameterFit fitter;
    private final AcquisitionMaximizer maximizer;
    private final GpHedge hedge;
    private final List<Observation> observations = new ArrayList<>();
    private int designUsed;
    private GaussianProcess model;

    /**
     * @param initialDesign the first points to suggest, in the box's coordinates (seed 002 starts a merge
     *     search at both ends of its interval; {@link #sobolDesign} is the general default)
     */
    public BayesianOptimizer(Box box, List<double[]> initialDesign, Settings settings, long seed) {
        this.box = box;
        this.initialDesign = new ArrayList<>();
        for (double[] p : initialDesign) {
            if (!box.contains(p)) {
                throw new IllegalArgumentException("initial point outside " + box + ": " + Arrays.toString(p));
            }
            this.initialDesign.add(p.clone());
        }
        this.settings = settings;
        this.random = new SplittableRandom(seed);
        this.fitter = new HyperparameterFit(settings.restarts());
        this.maximizer = new AcquisitionMaximizer(settings.candidates(), settings.localStarts());
        this.hedge = new GpHedge(Acquisition.values(), settings.hedgeEta());
    }

    /** A shifted Sobol design of {@code n} points in {@code box}. */
    public static List<double[]> sobolDesign(Box box, int n, long seed) {
        return Designs.sobol(box.dimensions(), n, new SplittableRandom(seed)).stream().map(box::fromUnit).toList();
    }

    /** The next point to evaluate. */
    public Suggestion suggest() {
        if (designUsed < initialDesign.size()) {
            return new Suggestion(initialDesign.get(designUsed++), Proposer.INITIAL_DESIGN);
        }
        if (observations.isEmpty()) {
            // No design and nothing observed: the centre is as good a start as any.
            return new Suggestion(box.fromUnit(centre()), Proposer.INITIAL_DESIGN);
        }
        GaussianProcess gp = model().orElseThrow();
        double best = gp.bestStandardised();
        if (settings.strategy() == Strategy.GP_HEDGE) {
            hedge.reward(gp);
            Acquisition[] portfolio = Acquisition.values();
            double[][] nominees = new double[portfolio.length][];
            for (int i = 0; i < portfolio.length; i++) {
                nominees[i] = maximise(gp, portfolio[i], best);
            }
            int chosen = hedge.choose(nominees, random);
            return new Suggestion(box.fromUnit(nominees[chosen]), Proposer.of(portfolio[chosen]));
        }
        Acquisition a = switch (settings.strategy()) {
            case EXPECTED_IMPROVEMENT -> Acquisition.EXPECTED_IMPROVEMENT;
            case PROBABILITY_OF_IMPROVEMENT -> Acquisition.PROBABILITY_OF_IMPROVEMENT;
            case UPPER_CONFIDENCE_BOUND -> Acquisition.UPPER_CONFIDENCE_BOUND;
            case GP_HEDGE -> throw new IllegalStateException("handled above");
        };
        return new Suggestion(box.fromUnit(maximise(gp, a, best)), Proposer.of(a));
    }

    private double[] centre() {
        double[] c = new double[box.dimensions()];
        Arrays.fill(c, 0.5);
        return c;
    }

    private double[] maximise(GaussianProcess gp, Acquisition a, double best) {
        return maximizer.maximize(box.dimensions(), u -> {
            double[] p = gp.predictStandardised(u);
            return a.value(p[0], Math.sqrt(p[1]), best, settings.xi(), settings.kappa());
        }, random);
    }

    /** Records {@code value} observed at {@code point} (box coordinates). */
    public void observe(double[] point, double value) {
        if (!box.contains(point)) {
            throw new IllegalArgumentException("observed point outside " + box + ": " + Arrays.toString(point));
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("observed value must be finite, got " + value);
        }
        observations.add(new Observation(point, value));
        model = null;
    }

    /** The process fitted on every observation so far; empty before the first. */
    public Optional<GaussianProcess> model() {
        if (observations.isEmpty()) {
            return Optional.empty();
        }
        if (model == null) {
            double[][] x = new double[observations.size()][];
            double[] y = new double[observations.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = box.toUnit(observations.get(i).point());
                y[i] = observations.get(i).value();
            }
            model = fitter.fit(x, y, random);
        }
        return Optional.of(model);
    }

    /** The posterior at {@code point} (box coordinates) in the objective's units. */
    public Optional<GaussianProcess.Prediction> predict(double[] point) {
        return model().map(gp -> gp.predict(box.toUnit(point)));
    }

    /** The observation with the smallest value. */
    public Optional<Observation> best() {
        return observations.stream().min(Comparator.comparingDouble(Observation::value));
    }

    public List<Observation> observations() {
        return List.copyOf(observations);
    }

    /** GP-Hedge's cumulative gains of EI, PI and UCB, in that order. */
    public double[] hedgeGains() {
        return hedge.gains();
    }

    public Box box() {
        return box;
    }
}
