package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.distanceAfter;
import static io.optimesh.core.optim.Problems.fp32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Map;

class MuonTest {

    private static final float[] WIDE_START = {0.5f, -0.3f, 0.8f, -0.2f, 0.1f, 0.4f};

    // the same matrix transposed, 3 x 2
    private static final float[] TALL_START = {0.5f, -0.2f, -0.3f, 0.1f, 0.8f, 0.4f};

    private static final double[][] GRADIENTS = {
        {0.5, -1.0, 0.1, 0.2, 0.05, -0.4},
        {0.25, 0.75, -0.2, -0.6, 0.3, 0.1},
        {-0.3, 0.2, 0.05, 0.1, -0.2, 0.7},
        {0.1, -0.4, 0.3, 0.4, 0.2, -0.1},
    };

    // The parameters after each step, from core/src/test/python/optim_reference.py (float64
    // numpy, Keller Jordan's muon_update and adam_update), lr 0.02, weight decay 0.1.

    // a 2 x 3 matrix, defaults (Nesterov, five iterations)
    private static final double[][] WIDE = {
        {0.492550724809472, -0.28635888996152226, 0.7969707532774507, -0.20874695859912695, 0.09715686121197478, 0.4178423963561196},
        {0.4763861917556608, -0.2941806754013522, 0.7999628367498152, -0.19226470297359308, 0.08735904457469605, 0.41945425742891235},
        {0.47017019227006224, -0.31011788236246524, 0.7966288469943275, -0.18973492221115307, 0.08787608478343281, 0.40437768578454697},
        {0.45787585784953416, -0.29345105547410794, 0.7837986251256738, -0.1987750473152262, 0.07847543861023651, 0.3999999366933026},
    };

    // its transpose, 3 x 2: orthogonalised transposed, the step scaled by sqrt(3 / 2)
    private static final double[][] TALL = {
        {0.4911012832862078, -0.21080269063311194, -0.28342796736312104, 0.09656282932498994, 0.7966495374066045, 0.4220321793276067},
        {0.47152814971176155, -0.1907058507394337, -0.2931422361946675, 0.0846078627239774, 0.8006729489047965, 0.42418573421522443},
        {0.4641389830120874, -0.18769705344124438, -0.31279555675912835, 0.08528587442610808, 0.7969478169159077, 0.4058998578483285},
        {0.44930495908067625, -0.1988582599381178, -0.2925169854636236, 0.07381716105717968, 0.7815915070391438, 0.4007169513784307},
    };

    // the 2 x 3 matrix, nesterov 0, ns_steps 3, momentum 0.9
    private static final double[][] PLAIN_MOMENTUM_THREE_STEPS = {
        {0.49288367731196125, -0.28700544958116514, 0.7970184282910314, -0.20950495505002834, 0.09691899863663092, 0.41940567797699124},
        {0.4778519922882009, -0.28967385367702897, 0.8056246853454139, -0.20639642202963454, 0.08409548590943927, 0.4335536058425358},
        {0.4583811998330122, -0.29657828568904726, 0.7969016821735713, -0.20409743203872138, 0.07862301033408743, 0.41781928424747156},
        {0.44274912517609294, -0.2834340648963772, 0.7857669110370339, -0.20920611177912804, 0.06772129528985413, 0.4053683303706627},
    };

    // the same six numbers as a vector: the AdamW path at 0.015 lr
    private static final double[][] VECTOR = {
        {0.49968500000006, -0.29969100000003, 0.7996760000003, -0.20029399999985, 0.0996970000006, 0.40028799999992504},
        {0.49938822152964385, -0.2996551169341548, 0.7997610219053748, -0.20014120244770792, 0.09944372869803868, 0.40041842113878645},
        {0.4992724857021527, -0.2996561274256467, 0.7997781960186555, -0.20005176522768012, 0.09938294429867571, 0.4002978306745436},
        {0.4991472849931347, -0.29960124166138025, 0.7996380574184926, -0.20008037975483936, 0.09925471107810178, 0.40021775868564036},
    };

    private static void check(
            Map<String, Double> hyperparameters,
            int[] shape,
            float[] start,
            double[][] grads,
            double[][] expected) {
        Muon muon = new Muon();
        UpdateRule rule = muon.configure(hyperparameters);
        float[] p = start.clone();
        float[][] state = muon.newState(shape);
        for (int t = 1; t <= grads.length; t++) {
            rule.apply(p, fp32(grads[t - 1]), shape, state, t, 0.02, 0.1);
            assertClose("p at step " + t, p, expected[t - 1]);
        }
    }

    private static double[][] transposed(double[][] grads) {
        double[][] t = new double[grads.length][6];
        for (int s = 0; s < grads.length; s++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    t[s][j * 2 + i] = grads[s][i * 3 + j];
                }
            }
        }
        return t;
    }

    @Test
    void orthogonalisesTheNesterovMomentumOfAMatrix() {
        check(Map.of(), new int[] {2, 3}, WIDE_START, GRADIENTS, WIDE);
        assertThat(new Muon().newState(new int[] {2, 3})).hasNumberOfRows(1);
    }

    @Test
    void aTallMatrixIsOrthogonalisedTransposedAndItsStepScaled() {
        check(Map.of(), new int[] {3, 2}, TALL_START, transposed(GRADIENTS), TALL);
    }

    @Test
    void readsMomentumNesterovAndTheIterationCount() {
        check(
                Map.of("nesterov", 0.0, "ns_steps", 3.0, "momentum", 0.9),
                new int[] {2, 3},
                WIDE_START,
                GRADIENTS,
                PLAIN_MOMENTUM_THREE_STEPS);
    }

    @Test
    void vectorsAndMatricesGivenAsOneDimensionTakeTheAdamWPath() {
        check(Map.of(), new int[] {6}, WIDE_START, GRADIENTS, VECTOR);
        assertThat(new Muon().newState(new int[] {6})).hasNumberOfRows(2);
    }

    @Test
    void convolutionsFlattenAndThreeDimensionsAreABatchOfMatrices() {
        // [2, 1, 1, 3] flattens to the 2 x 3 matrix (scale from the last two dimensions: 1).
        check(Map.of(), new int[] {2, 1, 1, 3}, WIDE_START, GRADIENTS, WIDE);
        // [2, 2, 3] holding the matrix twice: each slice steps as the matrix alone.
        double[][] grads = new double[GRADIENTS.length][12];
        double[][] expected = new double[GRADIENTS.length][12];
        for (int t = 0; t < GRADIENTS.length; t++) {
            for (int i = 0; i < 12; i++) {
                grads[t][i] = GRADIENTS[t][i % 6];
                expected[t][i] = WIDE[t][i % 6];
            }
        }
        float[] start = new float[12];
        System.arraycopy(WIDE_START, 0, start, 0, 6);
        System.arraycopy(WIDE_START, 0, start, 6, 6);
        check(Map.of(), new int[] {2, 2, 3}, start, grads, expected);
    }

    @Test
    void theIterationPushesTheSingularValuesTowardsOne() {
        // G = the first gradient, singular values 1.1225 and 0.4499 (ratio 2.5); after five
        // iterations 1.0467 and 0.7309 (numpy in float64, same script; the fp32 iteration
        // amplifies rounding a little, hence 5e-6): the Gram matrix O O^T has them squared as
        // its eigenvalues.
        float[] o = fp32(GRADIENTS[0]);
        Muon.orthogonalise(o, 0, 2, 3, 5);
        double p = 0;
        double q = 0;
        double r = 0;
        for (int j = 0; j < 3; j++) {
            p += o[j] * o[j];
            q += o[j] * o[3 + j];
            r += o[3 + j] * o[3 + j];
        }
        double mean = (p + r) / 2;
        double spread = Math.sqrt((p - r) * (p - r) / 4 + q * q);
        assertThat(Math.sqrt(mean + spread)).isCloseTo(1.04667575, within(5e-6));
        assertThat(Math.sqrt(mean - spread)).isCloseTo(0.7309022, within(5e-6));
    }

    @Test
    void convergesOnAMatrixQuadratic() {
        // f(W) = 1/2 sum a_ij (W_ij - C_ij)^2 over a 3 x 4 matrix with curvatures spanning 16x.
        Muon muon = new Muon();
        UpdateRule rule = muon.configure(Map.of());
        int[] shape = {3, 4};
        float[] w = new float[12];
        float[] g = new float[12];
        float[][] state = muon.newState(shape);
        int steps = 3000;
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < 12; i++) {
                g[i] = curvature(i) * (w[i] - target(i));
            }
            rule.apply(w, g, shape, state, t, 0.02 * (1 - (t - 1) / (double) steps), 0);
        }
        for (int i = 0; i < 12; i++) {
            assertThat((double) w[i]).as("w[" + i + "]").isCloseTo(target(i), within(1e-2));
        }
    }

    @Test
    void theAdamWPathConvergesOnAnIllConditionedQuadratic() {
        assertThat(distanceAfter(new Muon(), Map.of("adam_lr_ratio", 1.0), 0.02, 3000))
                .isLessThan(1e-3);
    }

    private static float curvature(int i) {
        return (float) Math.pow(2, i % 5 - 2);
    }

    private static float target(int i) {
        return 0.25f * (i - 5);
    }
}
