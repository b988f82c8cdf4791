package io.optimesh.law.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.optimesh.core.events.CloudEventHeaders;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.EventPublisher;
import io.optimesh.core.events.KeyedEvents;
import io.optimesh.core.events.Topics;
import io.optimesh.core.testing.KafkaBrokerTestResource;
import io.optimesh.v1.LawKind;
import io.optimesh.v1.LawPredictionPublished;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.Run;
import io.optimesh.v1.RunFinished;
import io.optimesh.v1.Evaluation;
import io.optimesh.v1.RunEvaluated;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunStarted;
import io.optimesh.v1.StepMetrics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * law-svc against a real broker: a run's events published to the runs topic as the trainer publishes
 * them come back as predictions of its final loss on the predictions topic.
 */
@QuarkusTest
@TestProfile(RunEventsConsumerTest.Online.class)
class RunEventsConsumerTest {

    public static final class Online implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Fewer starts than in production: the test machine is shared.
            return Map.of("optimesh.law.online.enabled", "true",
                    "optimesh.law.online.group-id", "law-svc-test",
                    "optimesh.law.online.min-points", "40",
                    "optimesh.law.online.refit-every", "100",
                    "optimesh.law.fit.starts", "16",
                    "optimesh.law.fit.refined", "2");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaBrokerTestResource.class));
        }
    }

    @Test
    void aRunsStepLossesComeBackAsPredictionsOfItsFinalLossWithIntervals() throws Exception {
        String bootstrap = KafkaBrokerTestResource.bootstrapServers();
        String id = "online-" + System.nanoTime();
        double[] logged = SyntheticRun.logged(4);
        RunSpec spec = RunSpec.newBuilder().setModelPreset("tiny").setSteps(SyntheticRun.STEPS).setBatchSize(16)
                .setOptimizer(OptimizerSpec.newBuilder().setAlgorithm("adamw"))
                .setSchedule(SyntheticRun.SCHEDULE).setTrial("studies/s1/trials/t1").build();
        try (EventPublisher trainer = new EventPublisher(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                "//optimesh.io/trainer-svc")) {
            Run run = Run.newBuilder().setName("runs/" + id).setSpec(spec).build();
            trainer.publish(Topics.RUNS, id, RunStarted.newBuilder().setRun(run).build()).get(30, TimeUnit.SECONDS);
            // Batches of 20 step metrics, as the trainer sends them, every step's loss and LR.
            for (int from = 0; from < SyntheticRun.STEPS; from += 20) {
                RunMetricsReported.Builder batch = RunMetricsReported.newBuilder().setRun(run.getName());
                for (int s = from; s < from + 20; s++) {
                    batch.addMetrics(StepMetrics.newBuilder().setStep(s).setLoss(logged[s])
                            .setLearningRate(SyntheticRun.LRS[s]));
                }
                trainer.publish(Topics.RUNS, id, batch.build()).get(30, TimeUnit.SECONDS);
                if (from + 20 == 300) {
                    // The trainer's evaluation at step 299: validation loss 0.15 above the training curve.
                    trainer.publish(Topics.RUNS, id, RunEvaluated.newBuilder().setRun(run.getName())
                            .setEvaluation(Evaluation.newBuilder().setStep(299)
                                    .setLoss(SyntheticRun.truth()[299] + 0.15))
                            .build()).get(30, TimeUnit.SECONDS);
                }
            }

            EventDecoder decoder = EventDecoder.of(LawPredictionPublished.getDefaultInstance());
            List<ConsumerRecord<String, byte[]>> records = KeyedEvents.readUntil(bootstrap, Topics.PREDICTIONS, id,
                    r -> decoder.decode(r, LawPredictionPublished.class)
                            .filter(p -> p.getObservedStep() == SyntheticRun.STEPS - 1).isPresent(),
                    Duration.ofMinutes(3));
            trainer.publish(Topics.RUNS, id, RunFinished.newBuilder().setRun(run).build()).get(30, TimeUnit.SECONDS);

            double truth = SyntheticRun.truth()[SyntheticRun.STEPS - 1];
            List<LawPredictionPublished> predictions = records.stream()
                    .map(r -> decoder.decode(r, LawPredictionPublished.class).orElseThrow()).toList();
            assertThat(predictions).isSortedAccordingTo(
                    (a, b) -> Integer.compare(a.getObservedPoints(), b.getObservedPoints()));
            for (LawPredictionPublished p : predictions) {
                assertThat(p.getRun()).isEqualTo("runs/" + id);
                assertThat(p.getTrial()).isEqualTo("studies/s1/trials/t1");
                assertThat(p.getLaw().getKind()).isEqualTo(LawKind.LAW_KIND_MULTI_POWER);
                assertThat(p.getConfidence()).isEqualTo(0.9);
                assertThat(p.getFinalLoss().getStep()).isEqualTo(SyntheticRun.STEPS - 1);
                assertThat(p.getFinalLoss().getLower()).isLessThan(p.getFinalLoss().getLoss());
                assertThat(p.getFinalLoss().getUpper()).isGreaterThan(p.getFinalLoss().getLoss());
            }
            LawPredictionPublished last = predictions.get(predictions.size() - 1);
            assertThat(last.getObservedPoints()).isEqualTo(SyntheticRun.STEPS - SyntheticRun.WARMUP);
            assertThat(Math.abs(last.getFinalLoss().getLoss() / truth - 1)).isLessThan(0.005);
            assertThat(truth).isBetween(last.getFinalLoss().getLower(), last.getFinalLoss().getUpper());
            assertThat(last.getFinalLoss().getUpper() / last.getFinalLoss().getLower()).isBetween(1.02, 1.08);
            assertThat(last.getGapStep()).isEqualTo(299);
            assertThat(last.getFinalValidationLoss().getStep()).isEqualTo(SyntheticRun.STEPS - 1);
            assertThat(last.getFinalValidationLoss().getLoss() - last.getFinalLoss().getLoss())
                    .isCloseTo(0.15, offset(0.03));
            assertThat(last.getFinalValidationLoss().getLower() - last.getFinalLoss().getLower())
                    .isCloseTo(last.getFinalValidationLoss().getLoss() - last.getFinalLoss().getLoss(), offset(1e-12));
            ConsumerRecord<String, byte[]> record = records.get(records.size() - 1);
            assertThat(CloudEventHeaders.type(record)).contains("optimesh.v1.LawPredictionPublished");
        }
    }
}
