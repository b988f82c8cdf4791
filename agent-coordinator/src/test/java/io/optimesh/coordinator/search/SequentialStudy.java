package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.intParam;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchSpace;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;

/**
 * A study run one trial at a time on an analytic objective, as the runner does with parallelism 1:
 * each proposal sees every earlier trial ended.
 */
final class SequentialStudy {

    /** Learning rate (log), weight decay, warmup share and batch size (log-int). */
    static final SearchSpace SMOOTH =
            SearchSpace.newBuilder()
                    .addParameters(floatParam("learning_rate", 1e-4, 0.3, true))
                    .addParameters(floatParam("weight_decay", 0.0, 1.0, false))
                    .addParameters(floatParam("warmup_fraction", 0.0, 0.5, false))
                    .addParameters(intParam("batch_size", 8, 512, true))
                    .build();

    /**
     * A smooth bowl like AnalyticTrialExecutor's (best learning rate 3e-3, weight decay 0.1), with
     * warmup best at 0.2 and batch size best at 64; its minimum is 1.6.
     */
    static double smooth(Map<String, ParameterValue> p) {
        double x = Math.log10(p.get("learning_rate").getFloatValue() / 3e-3);
        double wd = p.get("weight_decay").getFloatValue() - 0.1;
        double w = p.get("warmup_fraction").getFloatValue() - 0.2;
        double b = Math.log(p.get("batch_size").getIntValue() / 64.0) / Math.log(64);
        return 1.6 + 0.35 * x * x + 0.5 * wd * wd + 2 * w * w + 0.3 * b * b;
    }

    /** The space of {@link #SMOOTH} plus an optimizer whose choice matters most. */
    static final SearchSpace WITH_OPTIMIZER =
            SMOOTH.toBuilder()
                    .addParameters(categorical("optimizer", "sgd", "adamw", "lion", "adafactor"))
                    .build();

    static double withOptimizer(Map<String, ParameterValue> p) {
        return smooth(p) + (p.get("optimizer").getCategoricalValue().equals("adamw") ? 0 : 0.5);
    }

    private SequentialStudy() {}

    /** The trials of a study of {@code budget} trials. */
    static List<Trial> run(
            Sampler sampler, int budget, ToDoubleFunction<Map<String, ParameterValue>> objective) {
        List<Trial> history = new ArrayList<>();
        for (int i = 0; i < budget; i++) {
            Map<String, ParameterValue> p = sampler.propose(i, List.copyOf(history)).orElseThrow();
            history.add(
                    Trial.newBuilder()
                            .setName("studies/s/trials/" + (i + 1))
                            .putAllParameters(p)
                            .setState(TrialState.TRIAL_STATE_SUCCEEDED)
                            .setObjectiveValue(objective.applyAsDouble(p))
                            .build());
        }
        return history;
    }

    static double best(List<Trial> trials) {
        return trials.stream().mapToDouble(Trial::getObjectiveValue).min().orElseThrow();
    }

    /** The median over seeds 1..seeds of the best objective after {@code budget} trials. */
    static double medianBest(
            LongFunction<Sampler> samplerForSeed,
            int seeds,
            int budget,
            ToDoubleFunction<Map<String, ParameterValue>> objective) {
        double[] bests = new double[seeds];
        for (int s = 0; s < seeds; s++) {
            bests[s] = best(run(samplerForSeed.apply(s + 1), budget, objective));
        }
        Arrays.sort(bests);
        return seeds % 2 == 1
                ? bests[seeds / 2]
                : 0.5 * (bests[seeds / 2 - 1] + bests[seeds / 2]);
    }
}
