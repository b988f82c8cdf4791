package io.optimesh.core.optim;

import java.util.List;

/** The algorithms this service implements, in the order ListAlgorithms returns them. */
public final class AlgorithmCatalog {

    private static final List<Algorithm> ALGORITHMS =
            List.of(
                    new Sgd(),
                    new Momentum(),
                    Adam.adam(),
                    Adam.adamW(),
                    new Nesterov(),
                    new Adagrad(),
                    new RmsProp(),
                    new Adamax(),
                    new NAdam(),
                    new RAdam(),
                    new Lion(),
                    new Lamb(),
                    new Adafactor(),
                    new ScheduleFreeAdamW(),
                    new Muon(),
                    new SeedAdaptive());

    private AlgorithmCatalog() {}

    public static List<Algorithm> all() {
        return ALGORITHMS;
    }
}
