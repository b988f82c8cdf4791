package io.optimesh.law.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.law.curve.CurveCsvReader;
import io.optimesh.law.curve.LossCurve;
import io.optimesh.law.curve.TestData;
import io.optimesh.law.model.AnnealingConvention;
import io.optimesh.law.model.LossLaw;
import io.optimesh.law.model.MomentumLaw;
import io.optimesh.law.model.MultiPowerLaw;
import io.optimesh.law.model.PowerLaw;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LawFitterTest {

    private static final double[] PUBLISHED_400M = {2.375, 0.654, 0.429, 523.4, 2.025, 0.594, 0.635};

    /** The law's own predictions on the schedules and steps of {@code curves}, times log-normal noise. */
    private static List<LossCurve> synthetic(LossLaw law, double[] params, List<LossCurve> curves, double noise,
            long seed) {
        Random random = new Random(seed);
        List<LossCurve> out = new ArrayList<>();
        for (LossCurve c : curves) {
            double[] losses = new double[c.size()];
            law.prepare(c.lrs(), c.steps()).evaluate(params, losses, null);
            for (int i = 0; i < losses.length; i++) {
                losses[i] *= Math.exp(noise * random.nextGaussian());
            }
            out.add(LossCurve.of(c.name(), c.steps(), losses, c.lrs()));
        }
        return out;
    }

    private static LossCurve curve(String name, double[] lrs, int first, int last, int every) {
        int n = (last - first) / every + 1;
        int[] steps = new int[n];
        for (int i = 0; i < n; i++) {
            steps[i] = first + i * every;
        }
        double[] placeholder = new double[n];
        java.util.Arrays.fill(placeholder, 1);
        return LossCurve.of(name, steps, placeholder, lrs);
    }

    private static double[] cosine(int total, int warmup, double peak, double floor) {
        double[] lrs = new double[total + 1];
        for (int s = 0; s <= total; s++) {
            lrs[s] = s < warmup ? peak * s / warmup
                    : floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * (s - warmup) / (total - warmup)));
        }
        return lrs;
    }

    @Test
    void powerLawRecoversKnownParametersFromExactData() {
        double[] lrs = cosine(20_000, 1000, 1e-3, 1e-4);
        LossCurve shape = curve("run", lrs, 100, 20_000, 100);
        for (PowerLaw law : List.of(PowerLaw.ofSteps(), PowerLaw.ofLrArea())) {
            double[] truth = law.variable() == PowerLaw.Variable.STEPS ? new double[] {2.2, 4.5, 0.35}
                    : new double[] {2.2, 0.8, 0.35};
            List<LossCurve> data = synthetic(law, truth, List.of(shape), 0, 1);

            FittedLaw fitted = new LawFitter().fit(law, data);

            assertThat(fitted.values()[0]).isCloseTo(truth[0], within(1e-6));
            assertThat(fitted.values()[1]).isCloseTo(truth[1], within(1e-6 * truth[1]));
            assertThat(fitted.values()[2]).isCloseTo(truth[2], within(1e-6));
            assertThat(fitted.quality().worstRelativeError()).isLessThan(1e-9);
            assertThat(fitted.parameterNames()).containsExactly("L0", "A", "alpha");
        }
    }

    @Test
    void multiPowerLawRecoversThePublishedParametersFromExactCurves() {
        MultiPowerLaw law = new MultiPowerLaw(AnnealingConvention.FROM_FIRST_STEP);
        List<LossCurve> schedules = CurveCsvReader.readDirectory(Path.of(TestData.MPL_CURVES, "400"));
        List<LossCurve> data = synthetic(law, PUBLISHED_400M, schedules, 0, 1);

        FittedLaw fitted = new LawFitter(new LawFitter.Options(HuberLoss.PAPER, 32, 2, 300)).fit(law, data);

        double[] values = fitted.values();
        for (int j = 0; j < values.length; j++) {
            assertThat(values[j]).as(fitted.parameterNames().get(j)).isCloseTo(PUBLISHED_400M[j],
                    within(1e-4 * PUBLISHED_400M[j]));
        }
        assertThat(fitted.quality().worstRelativeError()).isLessThan(1e-8);
    }

    @Test
    void momentumLawRecoversKnownParametersFromExactCurves() {
        MomentumLaw law = new MomentumLaw(AnnealingConvention.AFTER_WARMUP);
        List<LossCurve> shapes = List.of(curve("cosine", cosine(10_000, 500, 1e-3, 1e-4), 500, 10_000, 50),
                curve("short", cosine(4000, 500, 1e-3, 0), 500, 4000, 50));
        double[] truth = {2.3, 0.5, 0.45, 1.2};

        FittedLaw fitted = new LawFitter().fit(law, synthetic(law, truth, shapes, 0, 1));

        assertThat(fitted.values()).containsExactly(truth, within(1e-5));
    }

    @Test
    void intervalsReflectTheNoiseAndTheParameterUncertainty() {
        PowerLaw law = PowerLaw.ofLrArea();
        double[] lrs = cosine(20_000, 1000, 1e-3, 1e-4);
        double[] truth = {2.2, 0.8, 0.35};
        List<LossCurve> data = synthetic(law, truth, List.of(curve("run", lrs, 100, 20_000, 100)), 0.003, 7);

        FittedLaw fitted = new LawFitter().fit(law, data);
        Prediction prediction = fitted.predict(data.get(0), 0.95);

        assertThat(fitted.noise()).isCloseTo(0.003, within(0.0006));
        assertThat(prediction.coverage(data.get(0).losses())).isBetween(0.9, 0.99);
        double[] se = fitted.standardErrors();
        double[][] covariance = fitted.covariance();
        assertThat(covariance[2][2]).isCloseTo(se[2] * se[2], within(1e-18));
        assertThat(covariance[0][2]).isCloseTo(covariance[2][0], within(1e-18));
        assertThat(fitted.value("alpha")).isEqualTo(fitted.values()[2]);
        for (int j = 0; j < truth.length; j++) {
            assertThat(se[j]).isPositive();
            assertThat(Math.abs(fitted.values()[j] - truth[j])).isLessThan(4 * se[j]);
        }
        // Extrapolating further than the data reach widens the interval beyond the noise alone.
        double[] longer = cosine(60_000, 1000, 1e-3, 1e-4);
        Prediction far = fitted.predict(longer, new int[] {60_000}, 0.95);
        double width = Math.log(far.upper()[0] / far.lower()[0]) / 2;
        assertThat(width).isGreaterThan(1.96 * fitted.noise() * 1.01);
        assertThat(far.lower()[0]).isLessThan(far.finalLoss()).isPositive();
    }

    @Test
    void robustToNoiseSpikes() {
        PowerLaw law = PowerLaw.ofSteps();
        double[] truth = {2.2, 4.5, 0.35};
        List<LossCurve> clean = synthetic(law, truth, List.of(curve("run", new double[5001], 50, 5000, 50)), 0.001, 3);
        double[] losses = clean.get(0).losses();
        for (int i = 5; i < losses.length; i += 10) {
            losses[i] *= 1.2; // one logged loss in ten is a 20% spike
        }
        LossCurve spiky = LossCurve.of("spiky", clean.get(0).steps(), losses, new double[5001]);

        FittedLaw fitted = new LawFitter().fit(law, List.of(spiky));

        assertThat(fitted.values()[0]).isCloseTo(truth[0], within(0.02));
        assertThat(fitted.values()[2]).isCloseTo(truth[2], within(0.02));
    }

    @Test
    void usesAGivenStartingGuess() {
        PowerLaw law = PowerLaw.ofSteps();
        double[] truth = {2.2, 4.5, 0.35};
        List<LossCurve> data = synthetic(law, truth, List.of(curve("run", new double[1001], 10, 1000, 10)), 0, 1);

        FittedLaw fitted = new LawFitter(new LawFitter.Options(HuberLoss.PAPER, 1, 1, 100))
                .fit(law, data, List.of(new double[] {2.1, 4.0, 0.3}));

        assertThat(fitted.values()).containsExactly(truth, within(1e-6));
    }

    @Test
    void refusesFewerPointsThanParameters() {
        LossCurve tiny = LossCurve.of("tiny", new int[] {10, 20, 30}, new double[] {3, 2.9, 2.8}, cosine(40, 5, 1e-3, 0));

        assertThatThrownBy(() -> new LawFitter().fit(new MultiPowerLaw(AnnealingConvention.FROM_FIRST_STEP),
                List.of(tiny)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mpl has 7 parameters: fitting it needs more than 7 points, the curves hold 3");
    }
}
