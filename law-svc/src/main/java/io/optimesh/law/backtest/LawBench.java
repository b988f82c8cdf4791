package io.optimesh.law.backtest;

import io.optimesh.law.curve.CurveCsvReader;
import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.fit.CurveError;
import io.optimesh.law.fit.FittedLaw;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.fit.Prediction;
import io.optimesh.law.model.AnnealingConvention;
import io.optimesh.law.model.LossLaw;
import io.optimesh.law.model.MomentumLaw;
import io.optimesh.law.model.MultiPowerLaw;
import io.optimesh.law.model.PowerLaw;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Back-tests the laws on a directory of curve sets (one sub-directory per model, e.g. the MPL
 * paper's curves) and times a fit and a long prediction:
 * {@code java -cp ... io.optimesh.law.backtest.LawBench DIR}.
 *
 * <p>For every set: leave-one-out (fit on all curves but one, predict it) and fit-on-all, mean and
 * worst relative error per curve and overall, and the coverage of the 95% prediction intervals on
 * held-out curves, uncalibrated and as the service calibrates them ({@link Calibration}); and
 * extrapolation in time (fit all curves up to step 12000, predict the rest). Then the
 * time to fit (and to fit and calibrate) the MPL on the largest set, and to predict a 72k-step
 * cosine schedule at every 128th step.
 */
public final class LawBench {

    private static final double LEVEL = 0.95;
    /** Extrapolation in time is scored on the points after this step, from a fit on those before. */
    private static final int EXTRAPOLATE_FROM = 12_000;

    private LawBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: LawBench DIR (one sub-directory of step,lr,loss curves per model)");
            System.exit(2);
        }
        run(Path.of(args[0]), System.out);
    }

    static Map<String, LossLaw> laws() {
        Map<String, LossLaw> laws = new LinkedHashMap<>();
        laws.put("mpl", new MultiPowerLaw(AnnealingConvention.FROM_FIRST_STEP));
        laws.put("mpl-after-warmup", new MultiPowerLaw(AnnealingConvention.AFTER_WARMUP));
        laws.put("momentum", new MomentumLaw(AnnealingConvention.FROM_FIRST_STEP));
        laws.put("momentum-after-warmup", new MomentumLaw(AnnealingConvention.AFTER_WARMUP));
        laws.put("power", PowerLaw.ofLrArea());
        return laws;
    }

    static void run(Path dir, PrintStream out) throws IOException {
        List<Path> sets;
        try (Stream<Path> listing = Files.list(dir)) {
            sets = listing.filter(Files::isDirectory).sorted().toList();
        }
        Backtest backtest = new Backtest(new LawFitter(), LEVEL);
        List<LossCurve> largest = null;
        for (Path set : sets) {
            List<LossCurve> curves = CurveCsvReader.readDirectory(set);
            largest = curves;
            out.printf("%n== %s: %s%n", set.getFileName(), curves.stream().map(LossCurve::name).toList());
            out.printf("%-22s %-14s %-16s %9s %9s%n", "law", "mode", "curve", "mean %", "worst %");
            for (Map.Entry<String, LossLaw> law : laws().entrySet()) {
                Backtest.LeaveOneOut loo = backtest.leaveOneOut(law.getValue(), curves);
                for (BacktestReport fold : loo.folds()) {
                    print(out, law.getKey(), "leave-one-out", fold.curves().get(0).name(), fold.curves().get(0));
                }
                print(out, law.getKey(), "leave-one-out", "all", loo.overall());
                out.printf("%-22s %-14s %-16s %8.1f%%%n", law.getKey(), "leave-one-out", "raw cover 95",
                        100 * loo.coverage());
                out.printf("%-22s %-14s %-16s %8.1f%%%n", law.getKey(), "leave-one-out", "calib cover 95",
                        100 * calibratedCoverage(law.getValue(), curves));
                CurveError later = extrapolateInTime(law.getValue(), curves, EXTRAPOLATE_FROM);
                if (later != null) {
                    print(out, law.getKey(), "fit <= " + EXTRAPOLATE_FROM, "steps beyond", later);
                }
                BacktestReport all = backtest.run(law.getValue(), curves, curves);
                for (CurveError e : all.curves()) {
                    print(out, law.getKey(), "fit-all", e.name(), e);
                }
                print(out, law.getKey(), "fit-all", "all", all.overall());
                out.printf("%-22s %-14s %s%n", law.getKey(), "fit-all", all.law());
            }
        }
        if (largest != null) {
            timings(largest, out);
        }
    }

    /**
     * Extrapolation in time: fits every curve's points up to step {@code cut} and scores the
     * predictions of all points beyond it; {@code null} when a curve has too few points before.
     */
    private static CurveError extrapolateInTime(LossLaw law, List<LossCurve> curves, int cut) {
        List<LossCurve> early = new java.util.ArrayList<>();
        for (LossCurve c : curves) {
            int n = 0;
            while (n < c.size() && c.step(n) <= cut) {
                n++;
            }
            if (n < LossCurve.MIN_POINTS || n == c.size()) {
                return null;
            }
            early.add(LossCurve.of(c.name(), java.util.Arrays.copyOf(c.steps(), n),
                    java.util.Arrays.copyOf(c.losses(), n), c.lrs()));
        }
        FittedLaw fitted = new LawFitter().fit(law, early);
        List<CurveError> errors = new java.util.ArrayList<>();
        for (int i = 0; i < curves.size(); i++) {
            LossCurve c = curves.get(i);
            int from = early.get(i).size();
            Prediction p = fitted.predict(c, LEVEL);
            errors.add(CurveError.of(c.name(), java.util.Arrays.copyOfRange(p.losses(), from, c.size()),
                    java.util.Arrays.copyOfRange(c.losses(), from, c.size())));
        }
        return CurveError.pooled("beyond " + cut, errors);
    }

    /**
     * Coverage of held-out curves by the intervals the service gives: each fold's law is fitted and
     * calibrated ({@link Calibration}) on the fold's fit curves alone, then predicts the held-out one.
     */
    private static double calibratedCoverage(LossLaw law, List<LossCurve> curves) {
        Calibration calibration = new Calibration(new LawFitter());
        double inside = 0;
        int points = 0;
        for (int held = 0; held < curves.size(); held++) {
            List<LossCurve> fit = new java.util.ArrayList<>(curves);
            LossCurve test = fit.remove(held);
            inside += calibration.fit(law, fit).predict(test, LEVEL).coverage(test.losses()) * test.size();
            points += test.size();
        }
        return inside / points;
    }

    private static void print(PrintStream out, String law, String mode, String curve, CurveError e) {
        out.printf("%-22s %-14s %-16s %9.3f %9.3f%n", law, mode, curve, 100 * e.meanRelativeError(),
                100 * e.worstRelativeError());
    }

    private static void timings(List<LossCurve> curves, PrintStream out) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        LossLaw law = laws().get("mpl");
        LawFitter fitter = new LawFitter();
        FittedLaw fitted = null;
        out.printf("%n== timings (%d processors)%n", Runtime.getRuntime().availableProcessors());
        for (int rep = 0; rep < 5; rep++) {
            long cpu = os.getProcessCpuTime();
            long wall = System.nanoTime();
            fitted = fitter.fit(law, curves);
            out.printf("fit mpl on %d curves: %.3f s wall, %.3f s cpu, %d evaluations%n", curves.size(),
                    (System.nanoTime() - wall) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9,
                    fitted.quality().evaluations());
        }
        Calibration calibration = new Calibration(fitter);
        for (int rep = 0; rep < 2; rep++) {
            long cpu = os.getProcessCpuTime();
            long wall = System.nanoTime();
            FittedLaw calibrated = calibration.fit(law, curves);
            out.printf("fit and calibrate mpl on %d curves: %.3f s wall, %.3f s cpu, interval scale %.2f%n",
                    curves.size(), (System.nanoTime() - wall) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9,
                    calibrated.intervalScale());
        }
        int total = 72_000;
        int warmup = 2160;
        double peak = 3e-4;
        double floor = 3e-5;
        double[] lrs = new double[total + 1];
        for (int s = 0; s <= total; s++) {
            lrs[s] = s < warmup ? peak * s / warmup
                    : floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * (s - warmup) / (total - warmup)));
        }
        int[] steps = IntStream.rangeClosed(0, (total - warmup) / 128).map(i -> warmup + 128 * i).toArray();
        double best = Double.POSITIVE_INFINITY;
        Prediction prediction = null;
        for (int rep = 0; rep < 50; rep++) {
            long wall = System.nanoTime();
            prediction = fitted.predict(lrs, steps, LEVEL);
            best = Math.min(best, (System.nanoTime() - wall) / 1e6);
        }
        out.printf("predict 72k-step cosine at %d steps: %.2f ms (best of 50); final loss %.4f [%.4f, %.4f]%n",
                prediction.size(), best, prediction.finalLoss(), prediction.lower()[prediction.size() - 1],
                prediction.upper()[prediction.size() - 1]);
    }
}
