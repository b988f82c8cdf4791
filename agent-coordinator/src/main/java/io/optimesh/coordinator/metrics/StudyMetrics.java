package io.optimesh.coordinator.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.optimesh.coordinator.study.Studies;
import io.optimesh.coordinator.study.StudyAggregate;
import io.optimesh.v1.StudyState;
import io.optimesh.v1.Trial;
import io.optimesh.v1.TrialState;
import io.quarkus.runtime.Startup;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Locale;

/**
 * Studies and trials by state, and the tokens spent, as gauges read from the studies at scrape
 * time: they match the state whether it was built live or replayed.
 */
@Startup
@ApplicationScoped
public class StudyMetrics {

    @Inject MeterRegistry registry;
    @Inject Studies studies;

    @PostConstruct
    void register() {
        for (StudyState state : StudyState.values()) {
            if (state != StudyState.UNRECOGNIZED && state != StudyState.STUDY_STATE_UNSPECIFIED) {
                Gauge.builder("optimesh.coordinator.studies", () -> countStudies(state))
                        .description("Studies by state")
                        .tag("state", label(state.name(), "STUDY_STATE_"))
                        .register(registry);
            }
        }
        for (TrialState state : TrialState.values()) {
            if (state != TrialState.UNRECOGNIZED && state != TrialState.TRIAL_STATE_UNSPECIFIED) {
                Gauge.builder("optimesh.coordinator.trials", () -> countTrials(state))
                        .description("Trials by state, over all studies")
                        .tag("state", label(state.name(), "TRIAL_STATE_"))
                        .register(registry);
            }
        }
        Gauge.builder("optimesh.coordinator.compute.tokens", this::computeTokens)
                .description("Tokens trained by all trials of all studies")
                .register(registry);
    }

    private double countStudies(StudyState state) {
        return studies.ids().stream()
                .filter(id -> studies.locked(id, StudyAggregate::state) == state)
                .count();
    }

    private double countTrials(TrialState state) {
        long n = 0;
        for (String id : studies.ids()) {
            for (Trial t : studies.locked(id, StudyAggregate::trials)) {
                if (t.getState() == state) {
                    n++;
                }
            }
        }
        return n;
    }

    private double computeTokens() {
        return studies.ids().stream()
                .mapToLong(id -> studies.locked(id, StudyAggregate::computeTokens))
                .sum();
    }

    private static String label(String enumName, String prefix) {
        return enumName.substring(prefix.length()).toLowerCase(Locale.ROOT);
    }
}
