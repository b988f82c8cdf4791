package io.optimesh.coordinator.events;

import io.optimesh.coordinator.pruning.LatestForecasts;
import io.optimesh.coordinator.pruning.LossForecast;
import io.optimesh.core.events.EventDecoder;
import io.optimesh.v1.LawPredictionPublished;
import io.optimesh.v1.PredictedPoint;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Follows law-svc's predictions on {@code optimesh.predictions.v1} and keeps each run's latest in a
 * {@link LatestForecasts}. One consumer thread, no consumer group: every coordinator reads every
 * partition from the beginning, so a restarted one knows the forecasts of the runs it follows
 * again. Partitions are looked up again every {@code refresh}, so a topic that law-svc creates
 * after the coordinator started is picked up.
 */
public final class PredictionReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PredictionReader.class);

    private static final EventDecoder DECODER =
            EventDecoder.of(LawPredictionPublished.getDefaultInstance());

    private static final Duration POLL = Duration.ofMillis(200);

    private final String bootstrapServers;
    private final String topic;
    private final Duration refresh;
    private final LatestForecasts forecasts;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running;

    /**
     * @param refresh how often the topic's partitions are looked up again (and the wait after a
     *     failed read)
     */
    public PredictionReader(
            String bootstrapServers, String topic, Duration refresh, LatestForecasts forecasts) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.refresh = refresh;
        this.forecasts = forecasts;
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "agent-coordinator-predictions");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The topic is law-svc's: looking for it must not create it with the broker's defaults.
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        this.consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::follow, "law-predictions");
        this.thread.setDaemon(true);
    }

    /** Starts following the topic. */
    public void start() {
        running = true;
        thread.start();
        LOG.infof("following law-svc predictions on %s at %s", topic, bootstrapServers);
    }

    /** Stops the thread and closes the consumer. */
    @Override
    public void close() {
        running = false;
        stopped.countDown();
        if (!thread.isAlive()) {
            consumer.close();
            return;
        }
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void follow() {
        Set<TopicPartition> assigned = new HashSet<>();
        Instant nextLookup = Instant.MIN;
        try (consumer) {
            while (running) {
                try {
                    if (!Instant.now().isBefore(nextLookup)) {
                        assigned = assign(assigned);
                        nextLookup = Instant.now().plus(refresh);
                    }
                    if (assigned.isEmpty()) {
                        pause(Duration.between(Instant.now(), nextLookup));
                        continue;
                    }
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                        take(record);
                    }
                } catch (WakeupException e) {
                    // close() woke the consumer: the loop ends on running.
                } catch (KafkaException e) {
                    LOG.warnf(
                            "cannot read %s from Kafka at %s (retrying in %s): %s",
                            topic, bootstrapServers, refresh, e.getMessage());
                    pause(refresh);
                }
            }
        }
    }

    /** Assigns the topic's partitions as the broker has them; new ones are read from the start. */
    private Set<TopicPartition> assign(Set<TopicPartition> assigned) {
        Set<TopicPartition> partitions = new HashSet<>();
        List<PartitionInfo> infos = consumer.partitionsFor(topic, refresh);
        for (PartitionInfo info : infos == null ? List.<PartitionInfo>of() : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        if (partitions.equals(assigned)) {
            return assigned;
        }
        Set<TopicPartition> added = new HashSet<>(partitions);
        added.removeAll(assigned);
        consumer.assign(partitions);
        consumer.seekToBeginning(added);
        LOG.debugf("reading %s: partitions %s", topic, partitions);
        return partitions;
    }

    private void take(ConsumerRecord<String, byte[]> record) {
        Optional<LawPredictionPublished> event =
                DECODER.decode(record, LawPredictionPublished.class);
        if (event.isEmpty()) {
            return;
        }
        try {
            forecasts.offer(run(event.get(), record.key()), forecast(event.get()));
        } catch (IllegalArgumentException e) {
            LOG.warnf(
                    "skipping %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    /**
     * The run a prediction is about: its {@code run} field, else the record key (law-svc keys by
     * run id).
     *
     * @throws IllegalArgumentException when neither names it
     */
    static String run(LawPredictionPublished event, String key) {
        if (!event.getRun().isEmpty()) {
            return event.getRun();
        }
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a prediction without its run");
        }
        return key.startsWith("runs/") ? key : "runs/" + key;
    }

    /**
     * The forecast a prediction carries: its final validation loss with the interval when the run has
     * been evaluated (comparable with the trials' objective, a validation loss), else its final
     * training loss.
     *
     * @throws IllegalArgumentException for a prediction without a final loss
     */
    static LossForecast.Forecast forecast(LawPredictionPublished event) {
        if (!event.hasFinalLoss()) {
            throw new IllegalArgumentException(
                    "a prediction of " + event.getRun() + " without final_loss");
        }
        PredictedPoint point =
                event.hasFinalValidationLoss() ? event.getFinalValidationLoss() : event.getFinalLoss();
        return new LossForecast.Forecast(
                point.getStep(),
                event.getObservedStep(),
                point.getLoss(),
                point.getLower(),
                point.getUpper());
    }

    private void pause(Duration wait) {
        try {
            stopped.await(Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
