package io.optimesh.core.bayesopt;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * GP-Hedge (Hoffman, Brochu and de Freitas, UAI 2011): a portfolio of acquisitions, each nominating a
 * point every round; one nominee is chosen with probability {@code exp(eta g_i) / sum_j exp(eta g_j)}, and
 * once the process has been refitted with the new observation each acquisition's gain grows by the reward
 * of its own nominee, here {@code -mu(x_i)} as we minimise (the standardised posterior mean).
 */
public final class GpHedge {

    private final Acquisition[] portfolio;
    private final double eta;
    private final double[] gains;
    private double[][] nominees;

    public GpHedge(Acquisition[] portfolio, double eta) {
        if (portfolio.length == 0 || !(eta > 0)) {
            throw new IllegalArgumentException("GP-Hedge needs at least one acquisition and eta > 0");
        }
        this.portfolio = portfolio.clone();
        this.eta = eta;
        this.gains = new double[portfolio.length];
    }

    /** Rewards the last round's nominees under the refitted process (no-op in the first round). */
    public void reward(GaussianProcess refitted) {
        if (nominees == null) {
            return;
        }
        for (int i = 0; i < portfolio.length; i++) {
            gains[i] -= refitted.predictStandardised(nominees[i])[0];
        }
        nominees = null;
    }

    /** Records this round's nominees, one per acquisition in portfolio order, and picks one's index. */
    public int choose(double[][] roundNominees, SplittableRandom random) {
        if (roundNominees.length != portfolio.length) {
            throw new IllegalArgumentException("one nominee per acquisition: " + portfolio.length + ", got "
                    + roundNominees.length);
        }
        nominees = new double[portfolio.length][];
        for (int i = 0; i < portfolio.length; i++) {
            nominees[i] = roundNominees[i].clone();
        }
        double[] p = probabilities();
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < p.length; i++) {
            cumulative += p[i];
            if (u < cumulative) {
                return i;
            }
        }
        return p.length - 1;
    }

    /** The current choice probabilities, softmax of {@code eta * gains}. */
    public double[] probabilities() {
        double max = Arrays.stream(gains).max().orElseThrow();
        double[] p = new double[gains.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(eta * (gains[i] - max));
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    public double[] gains() {
        return gains.clone();
    }

    public Acquisition acquisition(int index) {
        return portfolio[index];
    }
}
