package io.optimesh.law.online;

import com.google.protobuf.Message;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.core.events.EventPublisher;
import io.optimesh.core.events.Topics;
import io.optimesh.core.schedule.ScheduleChecks;
import io.optimesh.core.schedule.ScheduleEvaluator;
import io.optimesh.law.api.LawMapping;
import io.optimesh.law.config.LawConfig;
import io.optimesh.law.fit.HuberLoss;
import io.optimesh.law.fit.LawFitter;
import io.optimesh.law.model.MultiPowerLaw;
import io.optimesh.v1.LawPredictionPublished;
import io.optimesh.v1.PredictedPoint;
import io.optimesh.v1.RunDiverged;
import io.optimesh.v1.RunEvaluated;
import io.optimesh.v1.RunFailed;
import io.optimesh.v1.RunFinished;
import io.optimesh.v1.RunMetricsReported;
import io.optimesh.v1.RunSpec;
import io.optimesh.v1.RunStarted;
import io.optimesh.v1.RunStopped;
import io.optimesh.v1.StepMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The Kafka edge of the online refits: one consumer thread reads {@code optimesh.runs.v1} (group
 * {@code optimesh.law.online.group-id}, from the earliest record when the group is new), hands run
 * starts, step losses and ends to {@link OnlineRefits}, publishes each refit's prediction as a
 * {@link LawPredictionPublished} to {@code optimesh.predictions.v1} keyed by run id, and commits
 * the offsets once a poll's records are processed and their predictions acknowledged. Refits happen
 * after each poll, so a backlog read at start costs one fit per run rather than one per batch.
 */
@ApplicationScoped
public class RunEventsConsumer {

    private static final Logger LOG = Logger.getLogger(RunEventsConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long PUBLISH_TIMEOUT_S = 30;

    static final EventDecoder DECODER = EventDecoder.of(RunStarted.getDefaultInstance(),
            RunMetricsReported.getDefaultInstance(), RunEvaluated.getDefaultInstance(), RunFinished.getDefaultInstance(),
            RunDiverged.getDefaultInstance(), RunFailed.getDefaultInstance(), RunStopped.getDefaultInstance());

    private final LawConfig config;
    private final String bootstrapServers;
    private final String applicationName;
    private final Instance<EventPublisher> publishers;
    private final Counter published;
    private volatile boolean running;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public RunEventsConsumer(LawConfig config, Instance<EventPublisher> publishers, MeterRegistry registry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "quarkus.application.name") String applicationName) {
        this.config = config;
        this.publishers = publishers;
        this.bootstrapServers = bootstrapServers;
        this.applicationName = applicationName;
        this.published = Counter.builder("optimesh.law.online.predictions")
                .description("Predictions published to " + Topics.PREDICTIONS).register(registry);
    }

    void start(@Observes StartupEvent event) {
        if (!config.online().enabled()) {
            LOG.info("Online refits are off (optimesh.law.online.enabled=false)");
            return;
        }
        LawConfig.Online online = config.online();
        OnlineRefits refits = new OnlineRefits(
                new OnlineRefits.Settings(new MultiPowerLaw(), online.minPoints(), online.refitEvery(), online.confidence()),
                new LawFitter(new LawFitter.Options(HuberLoss.PAPER, config.fit().starts(), config.fit().refined(),
                        config.fit().maxEvaluations())));
        EventPublisher publisher = publishers.get();
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, online.groupId(),
                ConsumerConfig.CLIENT_ID_CONFIG, applicationName + "-online",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
        running = true;
        thread = new Thread(() -> consume(refits, publisher), "law-online-refits");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("Refitting runs online from %s at %s (group %s); predictions to %s", Topics.RUNS, bootstrapServers,
                online.groupId(), Topics.PREDICTIONS);
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (thread == null) {
            return;
        }
        running = false;
        consumer.wakeup();
        thread.join(TimeUnit.SECONDS.toMillis(PUBLISH_TIMEOUT_S));
    }

    private void consume(OnlineRefits refits, EventPublisher publisher) {
        try (KafkaConsumer<String, byte[]> c = consumer) {
            c.subscribe(List.of(Topics.RUNS));
            while (running) {
                var records = c.poll(POLL);
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (record.key() != null) {
                        DECODER.decode(record).ifPresent(e -> apply(refits, record.key(), e, config.maxScheduleSteps()));
                    }
                }
                List<CompletableFuture<?>> sends = new ArrayList<>();
                for (OnlineRefits.RunPrediction p : refits.refitDue()) {
                    sends.add(publisher.publish(Topics.PREDICTIONS, p.run(), event(p)));
                }
                awaitSent(sends);
                if (!records.isEmpty()) {
                    c.commitSync();
                }
            }
        } catch (WakeupException e) {
            // stop() woke the consumer: leave the loop.
        } catch (RuntimeException e) {
            LOG.errorf(e, "Online refits stopped: %s", e.getMessage());
        }
    }

    private void awaitSent(List<CompletableFuture<?>> sends) {
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(PUBLISH_TIMEOUT_S, TimeUnit.SECONDS);
            published.increment(sends.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // A later refit of the same run publishes again; the runs are not re-read for it.
            LOG.warnf("Publishing %d prediction(s) to %s failed: %s", sends.size(), Topics.PREDICTIONS, e.toString());
        }
    }

    /**
     * Applies one run event; every handler tolerates a duplicate.
     *
     * @param maxScheduleSteps runs with longer schedules are not followed (their LRs are held in memory)
     */
    static void apply(OnlineRefits refits, String run, Message event, long maxScheduleSteps) {
        if (event instanceof RunStarted started) {
            RunSpec spec = started.getRun().getSpec();
            var problems = ScheduleChecks.violations(spec.getSchedule(), "spec.schedule");
            if (!spec.hasSchedule() || !problems.isEmpty() || spec.getSchedule().getTotalSteps() > maxScheduleSteps) {
                LOG.warnf("Not following %s: its spec has no usable schedule of at most %d steps %s", run,
                        maxScheduleSteps, problems);
                return;
            }
            double[] lrs = ScheduleEvaluator.evaluate(spec.getSchedule());
            try {
                refits.started(run, spec.getTrial(), lrs, spec.getSteps(), spec.getSchedule().getWarmup().getSteps());
            } catch (IllegalArgumentException e) {
                LOG.warnf("Not following %s: %s", run, e.getMessage());
            }
        } else if (event instanceof RunMetricsReported metrics) {
            for (StepMetrics m : metrics.getMetricsList()) {
                refits.observed(run, m.getStep(), m.getLoss());
            }
        } else if (event instanceof RunEvaluated evaluated) {
            refits.evaluated(run, evaluated.getEvaluation().getStep(), evaluated.getEvaluation().getLoss());
        } else if (event instanceof RunFinished || event instanceof RunDiverged || event instanceof RunFailed
                || event instanceof RunStopped) {
            refits.ended(run);
        }
    }

    LawPredictionPublished event(OnlineRefits.RunPrediction p) {
        LawPredictionPublished.Builder event = LawPredictionPublished.newBuilder()
                .setRun("runs/" + p.run())
                .setTrial(p.trial())
                .setLaw(LawMapping.toProto(p.law(), config.fit().starts(), p.seconds()))
                .setObservedStep(p.observedStep())
                .setObservedPoints(p.observedPoints())
                .setFinalLoss(LawMapping.point(p.finalLoss(), 0))
                .setConfidence(p.finalLoss().level());
        p.finalValidationLoss().ifPresent(v -> event
                .setFinalValidationLoss(PredictedPoint.newBuilder().setStep(v.step()).setLoss(v.loss())
                        .setLower(v.lower()).setUpper(v.upper()))
                .setGapStep(v.gapStep()));
        return event.build();
    }
}
