package io.optimesh.coordinator.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.coordinator.pruning.LatestForecasts;
import io.optimesh.coordinator.pruning.LossForecast;
import io.optimesh.coordinator.pruning.LossForecast.Forecast;
import io.optimesh.core.events.EventPublisher;
import io.optimesh.core.events.Topics;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import io.optimesh.v1.LawPredictionPublished;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.RunStarted;
import io.optimesh.v1.Trial;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The coordinator's reader of law-svc's predictions, on a real Kafka broker. */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class PredictionReaderTest {

    @Inject LossForecast forecasts;

    @Inject LatestForecasts store;

    private static LawPredictionPublished prediction(
            String run, long observedStep, double loss, double lower, double upper) {
        return LawPredictionPublished.newBuilder()
                .setRun("runs/" + run)
                .setTrial("studies/law/trials/1")
                .setObservedStep(observedStep)
                .setObservedPoints((int) observedStep / 10)
                .setConfidence(0.9)
                .setFinalLoss(
                        PredictedPoint.newBuilder()
                                .setStep(999)
                                .setLoss(loss)
                                .setLower(lower)
                                .setUpper(upper))
                .build();
    }

    private static Optional<Forecast> forecastOf(LossForecast forecasts, String run) {
        return forecasts.forecast(
                Trial.newBuilder().setName("studies/law/trials/1").setRun("runs/" + run).build());
    }

    /** Trials are judged on validation loss: once a run has an evaluation, that scale is the one compared. */
    @Test
    void aPredictionOnTheValidationScaleIsPreferredToTheTrainingLoss() {
        LawPredictionPublished training = prediction("pv", 400, 3.31, 3.22, 3.41);
        assertThat(PredictionReader.forecast(training)).isEqualTo(new Forecast(999, 400, 3.31, 3.22, 3.41));

        LawPredictionPublished validation =
                training.toBuilder()
                        .setFinalValidationLoss(
                                PredictedPoint.newBuilder()
                                        .setStep(999)
                                        .setLoss(3.46)
                                        .setLower(3.37)
                                        .setUpper(3.56))
                        .setGapStep(399)
                        .build();
        assertThat(PredictionReader.forecast(validation))
                .isEqualTo(new Forecast(999, 400, 3.46, 3.37, 3.56));
    }

    @Test
    void theLatestPredictionOfEachRunBecomesItsForecast() throws Exception {
        String bootstrap =
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        // One partition, so that a record seen proves every record published before it was read.
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(Topics.PREDICTIONS, 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        assertThat(forecastOf(forecasts, "pa")).isEmpty();

        try (EventPublisher publisher =
                new EventPublisher(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                        "//optimesh.io/law-svc")) {
            // law-svc keys by the bare run id.
            publisher.publish(Topics.PREDICTIONS, "pa", prediction("pa", 100, 3.62, 3.10, 4.20));
            publisher.publish(Topics.PREDICTIONS, "pa", prediction("pa", 300, 3.31, 3.22, 3.41));
            // Another event type on the topic, and a late refit on an older prefix: both skipped.
            publisher.publish(
                    Topics.PREDICTIONS, "pa", RunStarted.getDefaultInstance());
            publisher.publish(Topics.PREDICTIONS, "pa", prediction("pa", 200, 3.45, 3.20, 3.70));
            publisher
                    .publish(Topics.PREDICTIONS, "pb", prediction("pb", 150, 4.05, 3.80, 4.35))
                    .get(30, TimeUnit.SECONDS);
        }

        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (forecastOf(forecasts, "pb").isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertThat(forecastOf(forecasts, "pb")).contains(new Forecast(999, 150, 4.05, 3.80, 4.35));
        assertThat(forecastOf(forecasts, "pa")).contains(new Forecast(999, 300, 3.31, 3.22, 3.41));
        assertThat(forecastOf(forecasts, "pc")).isEmpty();
        assertThat(store.runs()).isEqualTo(2);
    }
}
