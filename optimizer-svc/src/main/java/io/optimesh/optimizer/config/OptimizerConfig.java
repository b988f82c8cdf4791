package io.optimesh.optimizer.config;

import io.smallrye.config.ConfigMapping;

/** optimizer-svc's settings, {@code optimesh.optimizer.*} (env: {@code OPTIMESH_OPTIMIZER_*}). */
@ConfigMapping(prefix = "optimesh.optimizer")
public interface OptimizerConfig {

    /** Limits on one EvaluateSchedule answer. */
    ScheduleLimits schedule();

    /** Optimizer state held for remote placement. */
    StateSettings state();

    interface StateSettings {

        /**
         * Most bytes of fp32 parameters and optimizer state held at once over all states (env
         * {@code OPTIMESH_OPTIMIZER_STATE_MAX_BYTES}); a state that would go past it is refused
         * before anything is allocated. 0: 60% of the maximum heap.
         */
        long maxBytes();

        /** Where snapshots go when SnapshotOptimizerState names no file. */
        String snapshotDirectory();

        /** Cores one step may use; 0 for every available processor. */
        int updateThreads();
    }

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
