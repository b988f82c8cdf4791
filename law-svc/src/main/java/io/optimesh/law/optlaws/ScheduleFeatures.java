package io.optimesh.law.optlaws;

/**
 * What Opt-Laws-style models read of a run: its LR schedule summarised as SDE-motivated features
 * (how far the iterates travel: the LR area, as its log and its inverse square root, the shape of a
 * power law in it; how much of it is given up to settle into the basin: the annealing share; the noise
 * floor the iterates settle at, which scales with the LR: the final and the peak LR; how hard the start
 * is: the peak, how fast the LR rises, the peak over a whole run), plus the model's and the data's
 * size.
 *
 * @param logLrArea log of the sum of every step's LR, warmup included
 * @param logPeakLr log of the largest LR
 * @param annealShare area given up after the peak, as a share of peak x steps after it: 0 for a
 *     constant schedule, about 0.45 for cosine to a tenth of the peak
 * @param finalShare the last step's LR over the peak
 * @param logWarmup log(1 + steps before the peak is first reached)
 * @param logMaxRise log of the steepest rise of the LR in one step, relative to the peak (1 / warmup
 *     steps for a linear warmup; 1 for none)
 * @param logPeakSteps log(peak x total steps): the area a constant run at the peak would cover
 * @param logParameters log of the model's parameter count
 * @param logTokens log of the tokens trained on
 */
public record ScheduleFeatures(double logLrArea, double logPeakLr, double annealShare, double finalShare,
        double logWarmup, double logMaxRise, double logPeakSteps, double logParameters, double logTokens) {

    /** Names of the loss model's features, in {@link #lossVector()} order after the intercept. */
    public static final String[] LOSS = {"log_lr_area", "inv_sqrt_lr_area", "anneal_share", "final_lr",
        "peak_lr", "log_parameters", "log_tokens"};
    /** Names of the risk model's features, in {@link #riskVector()} order after the intercept. */
    public static final String[] RISK = {"log_peak_lr", "log_warmup", "log_max_rise", "log_peak_steps",
        "log_parameters"};

    /**
     * The features of a run.
     *
     * @param lrs the LR of every step, warmup included
     * @param parameters the model's parameter count, 0 when unknown (counts as 1: every run alike)
     * @param tokensPerStep tokens per optimiser step, 0 when unknown (then the data size is the steps)
     */
    public static ScheduleFeatures of(double[] lrs, double parameters, double tokensPerStep) {
        if (lrs.length < 2) {
            throw new IllegalArgumentException("a schedule of " + lrs.length + " steps has no shape to read");
        }
        double area = 0;
        double peak = 0;
        int peakAt = 0;
        double maxRise = 0;
        for (int s = 0; s < lrs.length; s++) {
            area += lrs[s];
            if (lrs[s] > peak) {
                peak = lrs[s];
                peakAt = s;
            }
            if (s > 0) {
                maxRise = Math.max(maxRise, lrs[s] - lrs[s - 1]);
            }
        }
        if (!(peak > 0)) {
            throw new IllegalArgumentException("a schedule whose LR is never positive trains nothing");
        }
        int after = lrs.length - peakAt;
        double given = 0;
        for (int s = peakAt; s < lrs.length; s++) {
            given += peak - lrs[s];
        }
        // A schedule that starts at its peak rises by the whole peak at step 0.
        double rise = peakAt == 0 ? 1 : Math.max(maxRise / peak, lrs[0] / peak);
        double tokens = lrs.length * (tokensPerStep > 0 ? tokensPerStep : 1);
        return new ScheduleFeatures(Math.log(area), Math.log(peak), given / (peak * after),
                lrs[lrs.length - 1] / peak, Math.log1p(peakAt), Math.log(rise), Math.log(peak * lrs.length),
                Math.log(Math.max(parameters, 1)), Math.log(tokens));
    }

    /** 1 then the {@link #LOSS} features. */
    double[] lossVector() {
        double peak = Math.exp(logPeakLr);
        return new double[] {1, logLrArea, Math.exp(-0.5 * logLrArea), annealShare, finalShare * peak, peak,
            logParameters, logTokens};
    }

    /** 1 then the {@link #RISK} features. */
    double[] riskVector() {
        return new double[] {1, logPeakLr, logWarmup, logMaxRise, logPeakSteps, logParameters};
    }
}
