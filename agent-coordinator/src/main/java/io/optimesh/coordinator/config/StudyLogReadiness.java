package io.optimesh.coordinator.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the studies have been rebuilt from their log. */
@Readiness
@ApplicationScoped
public class StudyLogReadiness implements HealthCheck {

    @Inject StudyLogRecovery recovery;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("study-log").status(recovery.recovered()).build();
    }
}
