package io.optimesh.law.config;

import io.smallrye.config.ConfigMapping;

/** law-svc's settings, {@code optimesh.law.*} (env: {@code OPTIMESH_LAW_*}). */
@ConfigMapping(prefix = "optimesh.law")
public interface LawConfig {

    /**
     * The longest schedule a request may carry: laws read the LR of every step, 8 bytes each, a few
     * arrays of them per curve.
     */
    long maxScheduleSteps();

    /** How laws are fitted. */
    Fit fit();

    /** Refitting runs online from the runs topic. */
    Online online();

    interface Online {

        /** Whether to consume the runs topic and publish predictions (needs {@code kafka.bootstrap.servers}). */
        boolean enabled();

        /** Kafka consumer group: instances of law-svc share the runs topic's partitions. */
        String groupId();

        /** Usable points a run needs before its first fit. */
        int minPoints();

        /** New points between two fits of a run. */
        int refitEvery();

        /** Interval coverage of the published final-loss predictions. */
        double confidence();
    }

    interface Fit {

        /** Sobol starting points at which the fit objective is screened. */
        int starts();

        /** How many of the best screened starts Levenberg-Marquardt refines. */
        int refined();

        /** Levenberg-Marquardt evaluation budget per refined start. */
        int maxEvaluations();
    }
}
