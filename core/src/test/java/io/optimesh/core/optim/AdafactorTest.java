package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.fp32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Map;

class AdafactorTest {

    private static final float[] MATRIX_START = {0.5f, -0.3f, 0.8f, -0.2f, 0.1f, 0.4f};

    private static final float[] SECOND_MATRIX_START = {0.3f, 0.6f, -0.1f, 0.2f, -0.7f, 0.05f};

    private static final double[][] GRADIENTS = {
        {0.5, -1.0, 0.1, 0.2, 0.05, -0.4},
        {0.25, 0.75, -0.2, -0.6, 0.3, 0.1},
        {-0.3, 0.2, 0.05, 0.1, -0.2, 0.7},
        {0.1, -0.4, 0.3, 0.4, 0.2, -0.1},
    };

    // The parameters after each step, from core/src/test/python/optim_reference.py (float64
    // numpy, transformers' Adafactor with relative_step off), lr 0.01, weight decay 0.1.

    // a 2 x 3 matrix: factored second moment, defaults
    private static final double[][] MATRIX = {
        {0.4917664357232951, -0.29138108849620664, 0.7971798471325371, -0.20751635944145227, 0.09886244944394107, 0.41975658609924166},
        {0.4864491095056832, -0.30087387389126613, 0.8037296628999205, -0.18856047758274214, 0.09242797905018225, 0.41339001712871903},
        {0.4937559234111195, -0.30428073362432756, 0.8016469395955184, -0.19142303053492016, 0.09669035703421068, 0.39194578355841553},
        {0.4904960864569454, -0.29565860920205506, 0.792203375230546, -0.2040969286042523, 0.09175777572157766, 0.3949033732909386},
    };

    // the same matrix, scale_parameter 1 and clip_threshold 0.5 (the clipping bites every step)
    private static final double[][] MATRIX_SCALED_CLIPPED = {
        {0.4980552697003542, -0.29801399784878774, 0.7991938891444947, -0.20162915682968557, 0.09972443071494524, 0.4043101920696117},
        {0.4967591315998336, -0.3000596472431587, 0.8004737605955176, -0.19736523463196196, 0.09826946407349577, 0.40280616087004006},
        {0.49835484206260194, -0.30079046559385286, 0.7998193446654044, -0.19798868361331137, 0.099240937374678, 0.3977241040873874},
        {0.49733016592935686, -0.29824166696812127, 0.7969546055310466, -0.2016361045398009, 0.09779272141928835, 0.3985198292676458},
    };

    // the same six numbers as a vector: the full second moment (the first step is lr sign(g))
    private static final double[][] VECTOR = {
        {0.4895, -0.28969999999999996, 0.7892, -0.20980000000000001, 0.08990000000000001, 0.4096},
        {0.4824430323080519, -0.2979999570662544, 0.8004217486932076, -0.19702110076373283, 0.07686629110816337, 0.40554364433928236},
        {0.49059969178083646, -0.30066881391732575, 0.7957821298914363, -0.19954557283315935, 0.08597002760630217, 0.3910434118269539},
        {0.48666097582099216, -0.2936763762438023, 0.7801803469942468, -0.2099142267279374, 0.07645579696756913, 0.3930878738268639},
    };

    // a [2, 2, 3] tensor: the matrix, then a second one whose gradients are the next step's
    // halved; each slice keeps its own statistics, the clipping RMS spans the whole tensor
    private static final double[][] BATCHED = {
        {0.4908399576858203, -0.2903844860851842, 0.7969378335929737, -0.20844077634625535, 0.0987381512848304, 0.4221713373915623, 0.29536909730241245, 0.5889450299697899, -0.08982843910982193, 0.21229745482850224, -0.7043282248609386, 0.043895215684767196},
        {0.4854925644159866, -0.29994110967485876, 0.8035350795429766, -0.18936355336052227, 0.09226311294513707, 0.4157641585757243, 0.30463221515288086, 0.5829002635391287, -0.09114568795878598, 0.209400688406911, -0.6990271491543514, 0.027254057438298018},
        {0.4928003348665126, -0.3033489021721366, 0.8014525508219313, -0.19222530323692252, 0.09652565579527055, 0.39431755086397374, 0.3010823546579746, 0.5936984824694658, -0.10056484321815264, 0.1973642533868451, -0.703512845383459, 0.030115112084152146},
        {0.4895414535008831, -0.2947277095813163, 0.7920091808457325, -0.20489839903355267, 0.09159323918387646, 0.3972727688291912, 0.2881134872114404, 0.6102837473753808, -0.10319510490609642, 0.19010274310567465, -0.7040068061404194, 0.04531335533566801},
    };

    private static float[][] run(
            Map<String, Double> hyperparameters, int[] shape, float[] start, double[][] grads,
            double[][] expected) {
        Adafactor adafactor = new Adafactor();
        UpdateRule rule = adafactor.configure(hyperparameters);
        float[] p = start.clone();
        float[][] state = adafactor.newState(shape);
        for (int t = 1; t <= grads.length; t++) {
            rule.apply(p, fp32(grads[t - 1]), shape, state, t, 0.01, 0.1);
            assertClose("p at step " + t, p, expected[t - 1]);
        }
        return state;
    }

    @Test
    void aMatrixKeepsRowAndColumnStatisticsOnly() {
        float[][] state = run(Map.of(), new int[] {2, 3}, MATRIX_START, GRADIENTS, MATRIX);
        assertThat(state).hasNumberOfRows(2);
        assertThat(state[0]).hasSize(2);
        assertThat(state[1]).hasSize(3);
    }

    @Test
    void scaleParameterAndClipThresholdAreRead() {
        run(
                Map.of("scale_parameter", 1.0, "clip_threshold", 0.5),
                new int[] {2, 3},
                MATRIX_START,
                GRADIENTS,
                MATRIX_SCALED_CLIPPED);
    }

    @Test
    void aVectorKeepsTheFullSecondMoment() {
        float[][] state = run(Map.of(), new int[] {6}, MATRIX_START, GRADIENTS, VECTOR);
        assertThat(state).hasNumberOfRows(1);
        assertThat(state[0]).hasSize(6);
    }

    @Test
    void higherDimensionsFactorTheLastTwoPerLeadingIndex() {
        double[][] grads = new double[GRADIENTS.length][12];
        for (int t = 0; t < GRADIENTS.length; t++) {
            for (int i = 0; i < 6; i++) {
                grads[t][i] = GRADIENTS[t][i];
                grads[t][6 + i] = 0.5 * GRADIENTS[(t + 1) % GRADIENTS.length][i];
            }
        }
        float[] start = new float[12];
        System.arraycopy(MATRIX_START, 0, start, 0, 6);
        System.arraycopy(SECOND_MATRIX_START, 0, start, 6, 6);
        float[][] state = run(Map.of(), new int[] {2, 2, 3}, start, grads, BATCHED);
        assertThat(state[0]).hasSize(4);
        assertThat(state[1]).hasSize(6);
    }

    @Test
    void aStateOfTheWrongLayoutIsRefused() {
        UpdateRule rule = new Adafactor().configure(Map.of());
        assertThatThrownBy(
                        () ->
                                rule.apply(
                                        new float[6],
                                        new float[6],
                                        new int[] {2, 3},
                                        new float[][] {new float[6]},
                                        1,
                                        0.01,
                                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected 2 state arrays, got 1");
        assertThatThrownBy(
                        () ->
                                rule.apply(
                                        new float[6],
                                        new float[6],
                                        new int[] {4, 2},
                                        new float[][] {new float[4], new float[2]},
                                        1,
                                        0.01,
                                        0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape [4, 2] for 6 parameters");
    }

    @Test
    void convergesOnAnIllConditionedQuadratic() {
        assertThat(Problems.distanceAfter(new Adafactor(), Map.of(), 0.02, 3000))
                .isLessThan(1e-3);
    }

    @Test
    void convergesOnAMatrixQuadratic() {
        // f(W) = 1/2 sum a_ij (W_ij - C_ij)^2 over a 3 x 4 matrix with curvatures spanning 16x.
        Adafactor adafactor = new Adafactor();
        UpdateRule rule = adafactor.configure(Map.of());
        int[] shape = {3, 4};
        float[] w = new float[12];
        float[] g = new float[12];
        float[][] state = adafactor.newState(shape);
        int steps = 3000;
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < 12; i++) {
                g[i] = curvature(i) * (w[i] - target(i));
            }
            rule.apply(w, g, shape, state, t, 0.02 * (1 - (t - 1) / (double) steps), 0);
        }
        for (int i = 0; i < 12; i++) {
            assertThat((double) w[i]).as("w[" + i + "]").isCloseTo(target(i), within(1e-3));
        }
    }

    private static float curvature(int i) {
        return (float) Math.pow(2, i % 5 - 2);
    }

    private static float target(int i) {
        return 0.25f * (i - 5);
    }
}
