package io.optimesh.core.bayesopt;

import java.util.Arrays;

/**
 * A Matern-5/2 ARD kernel's hyper-parameters in standardised units: one length-scale per dimension of the
 * unit box, the signal variance and the observation-noise variance.
 */
public record Hyperparameters(double[] lengthScales, double signalVariance, double noiseVariance) {

    public Hyperparameters {
        if (lengthScales.length == 0) {
            throw new IllegalArgumentException("at least one length-scale");
        }
        for (double l : lengthScales) {
            if (!(l > 0 && Double.isFinite(l))) {
                throw new IllegalArgumentException("length-scales must be positive, got " + Arrays.toString(lengthScales));
            }
        }
        if (!(signalVariance > 0 && Double.isFinite(signalVariance))) {
            throw new IllegalArgumentException("signal variance must be positive, got " + signalVariance);
        }
        if (!(noiseVariance >= 0 && Double.isFinite(noiseVariance))) {
            throw new IllegalArgumentException("noise variance must be non-negative, got " + noiseVariance);
        }
        lengthScales = lengthScales.clone();
    }

    /**
     * The log-parameters the marginal likelihood is maximised over: {@code log l_1..log l_d, log s^2,
     * log sigma_n^2}.
     */
    public double[] toLog() {
        int d = lengthScales.length;
        double[] theta = new double[d + 2];
        for (int i = 0; i < d; i++) {
            theta[i] = Math.log(lengthScales[i]);
        }
        theta[d] = Math.log(signalVariance);
        theta[d + 1] = Math.log(noiseVariance);
        return theta;
    }

    /** The inverse of {@link #toLog}. */
    public static Hyperparameters fromLog(double[] theta) {
        int d = theta.length - 2;
        double[] l = new double[d];
        for (int i = 0; i < d; i++) {
            l[i] = Math.exp(theta[i]);
        }
        return new Hyperparameters(l, Math.exp(theta[d]), Math.exp(theta[d + 1]));
    }

    @Override
    public double[] lengthScales() {
        return lengthScales.clone();
    }

    public int dimensions() {
        return lengthScales.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hyperparameters h && Arrays.equals(lengthScales, h.lengthScales)
                && signalVariance == h.signalVariance && noiseVariance == h.noiseVariance;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(lengthScales) * 31 + Double.hashCode(signalVariance) * 17 + Double.hashCode(noiseVariance);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "Hyperparameters[lengthScales=%s, signalVariance=%.4g,"
                + " noiseVariance=%.4g]", Arrays.toString(lengthScales), signalVariance, noiseVariance);
    }
}
