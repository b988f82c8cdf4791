package io.optimesh.coordinator.testing;

import io.optimesh.coordinator.execution.AnalyticTrialExecutor;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * In @QuarkusTests, trials train on the analytic objective instead of a trainer-svc (which the
 * integration tests start for real): the API, the runner and the Kafka log are the real ones.
 */
@Alternative
@Priority(1)
@Singleton
public class AnalyticTrainer extends AnalyticTrialExecutor {

    public AnalyticTrainer() {
        super(Duration.ofMillis(300));
    }
}
