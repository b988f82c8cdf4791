package io.optimesh.optimizer.config;

import io.smallrye.config.ConfigMapping;

/** optimizer-svc's settings, {@code optimesh.optimizer.*} (env: {@code OPTIMESH_OPTIMIZER_*}). */
@ConfigMapping(prefix = "optimesh.optimizer")
public interface OptimizerConfig {

    /** Limits on one EvaluateSchedule answer. */
    ScheduleLimits schedule();

    interface ScheduleLimits {

        /**
         * The most learning rates one response returns. 250000 keeps a response under the 4 MiB a
         * gRPC client accepts by default; longer schedules are read by listing the steps wanted.
         */
        int maxReturnedSteps();

        /** The longest schedule evaluated: its summary reads every step (about 10 ns each). */
        long maxTotalSteps();
    }
}
