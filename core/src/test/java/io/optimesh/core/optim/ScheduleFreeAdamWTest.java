package io.optimesh.core.optim;

import static io.optimesh.core.optim.Problems.CURVATURE;
import static io.optimesh.core.optim.Problems.MINIMUM;
import static io.optimesh.core.optim.Problems.assertClose;
import static io.optimesh.core.optim.Problems.fp32;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.Map;

class ScheduleFreeAdamWTest {

    private static final double[][] GRADIENTS = {
        {0.5, -1.0, 0.1}, {0.25, 0.75, -0.2}, {-0.3, 0.2, 0.05}, {0.1, -0.4, 0.3}, {0.6, 0.3, -0.5}
    };

    // the schedule: a two-step warmup to 0.01, so lr_max and the averaging weights move
    private static final double[] LEARNING_RATES = {0.005, 0.01, 0.01, 0.01, 0.01};

    // y (the parameters), x (the average) and z after each step, from
    // core/src/test/python/optim_reference.py (float64 numpy, AdamWScheduleFreeReference's
    // step), weight decay 0.1, default hyper-parameters.
    private static final double[][] Y = {
        {0.9949841917739748, -0.4949920958869879, 0.24499606296426285},
        {0.9892514866812385, -0.5026090876876784, 0.25636811804612114},
        {0.9938853205520529, -0.5047570773904249, 0.254760236490845},
        {0.9935702468305346, -0.5024022025443293, 0.24658387726694864},
        {0.9871990223818375, -0.5036315351322096, 0.2509549491191478},
    };

    private static final double[][] X = {
        {0.9949841917739748, -0.4949920958869879, 0.24499606296426285},
        {0.9893222957856449, -0.5025150042909308, 0.2562276529388847},
        {0.9935668054052607, -0.5046005728174798, 0.2548626673101545},
        {0.9935698472885515, -0.5026574285477287, 0.2475450267700675},
        {0.9881943952178605, -0.5034793414606238, 0.2504221854458525},
    };

    private static final double[][] Z = {
        {0.9949841917739748, -0.4949920958869879, 0.24499606296426285},
        {0.9886142047415817, -0.5034558382584075, 0.25763230401124865},
        {0.9967519568731834, -0.5061656185469302, 0.2538383591170594},
        {0.9935738427083833, -0.500105168513735, 0.23793353173887857},
        {0.9782406668576314, -0.5050012781764824, 0.2557498221788055},
    };

    // r 1, weight_lr_power 1, decay_at_z 1
    private static final double[][] Y_VARIANT = {
        {0.9949841917739748, -0.4949920958869879, 0.24499606296426285},
        {0.9894756036048449, -0.5023113056211165, 0.25592353386486655},
        {0.9942282197248257, -0.5047662279821257, 0.2545044539015687},
        {0.9937474180138197, -0.5021973365661977, 0.24566288465177827},
        {0.9865765214758394, -0.503620674504484, 0.2507955321505717},
    };

    private static final double[][] X_VARIANT = {
        {0.9949841917739748, -0.4949920958869879, 0.24499606296426285},
        {0.989571314589652, -0.5021841353280841, 0.2557336705152685},
        {0.9939478006096839, -0.5046107452921753, 0.2545784721229251},
        {0.9937667204122405, -0.5024298147241928, 0.24652170285792224},
        {0.9875027438249768, -0.5034672711073108, 0.2502449888009003},
    };

    private static void check(
            Map<String, Double> hyperparameters, double[][] ys, double[][] xs, double[][] zs) {
        ScheduleFreeAdamW algorithm = new ScheduleFreeAdamW();
        UpdateRule rule = algorithm.configure(hyperparameters);
        float[] y = {1.0f, -0.5f, 0.25f};
        float[][] state = algorithm.newState(new int[] {3});
        for (int t = 1; t <= GRADIENTS.length; t++) {
            rule.apply(y, fp32(GRADIENTS[t - 1]), state, t, LEARNING_RATES[t - 1], 0.1);
            assertClose("y at step " + t, y, ys[t - 1]);
            assertClose("x at step " + t, ScheduleFreeAdamW.evaluationPoint(state), xs[t - 1]);
            if (zs != null) {
                assertClose("z at step " + t, state[ScheduleFreeAdamW.Z], zs[t - 1]);
            }
        }
    }

    @Test
    void trainsYAndAveragesZIntoTheEvaluationPointX() {
        check(Map.of(), Y, X, Z);
    }

    @Test
    void readsTheAveragingWeightsAndWhereDecayIsTaken() {
        check(
                Map.of("r", 1.0, "weight_lr_power", 1.0, "decay_at_z", 1.0),
                Y_VARIANT,
                X_VARIANT,
                null);
    }

    @Test
    void theEvaluationPointConvergesAtAConstantLearningRate() {
        // No schedule at all: the average x reaches the minimum where the constant-lr AdamW
        // iterate z would keep oscillating at its lr-sized noise floor.
        ScheduleFreeAdamW algorithm = new ScheduleFreeAdamW();
        UpdateRule rule = algorithm.configure(Map.of());
        float[] y = new float[3];
        float[] g = new float[3];
        float[][] state = algorithm.newState(new int[] {3});
        for (int t = 1; t <= 3000; t++) {
            for (int i = 0; i < 3; i++) {
                g[i] = CURVATURE[i] * (y[i] - MINIMUM[i]);
            }
            rule.apply(y, g, state, t, 0.02, 0);
        }
        float[] x = ScheduleFreeAdamW.evaluationPoint(state);
        double squares = 0;
        for (int i = 0; i < 3; i++) {
            squares += (x[i] - MINIMUM[i]) * (x[i] - MINIMUM[i]);
        }
        assertThat(Math.sqrt(squares)).isLessThan(1e-3);
    }
}
