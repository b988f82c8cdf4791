package io.optimesh.merge.messaging;

import io.optimesh.core.events.EventPublisher;
import io.optimesh.core.events.Topics;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.MergeCompleted;
import io.optimesh.v1.MergeResult;
import io.optimesh.v1.MergeSearchCompleted;
import io.optimesh.v1.SearchMergeWeightsResult;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/** What merge-svc tells the mesh on {@value Topics#MERGES}, keyed by the merged (or best searched) checkpoint's URI. */
@ApplicationScoped
public class MergeEvents {

    private static final Logger LOG = Logger.getLogger(MergeEvents.class);

    private final EventPublisher publisher;

    MergeEvents(EventPublisher publisher) {
        this.publisher = publisher;
    }

    /** Publishes a {@link MergeCompleted}; a failure to publish is logged, the merge itself stands. */
    public CompletableFuture<RecordMetadata> mergeCompleted(MergeResult result, List<CheckpointRef> inputs) {
        String key = result.getOutput().getUri();
        MergeCompleted event = MergeCompleted.newBuilder().setResult(result).addAllInputs(inputs).build();
        return publisher.publish(Topics.MERGES, key, event).whenComplete((metadata, error) -> {
            if (error != null) {
                LOG.errorf(error, "Could not publish MergeCompleted for %s to %s", key, Topics.MERGES);
            } else {
                LOG.debugf("Published MergeCompleted for %s at %s-%d@%d", key, metadata.topic(), metadata.partition(),
                        metadata.offset());
            }
        });
    }

    /** Publishes a {@link MergeSearchCompleted}; a failure to publish is logged, the search itself stands. */
    public CompletableFuture<RecordMetadata> searchCompleted(SearchMergeWeightsResult result, List<CheckpointRef> inputs) {
        String key = result.getOutput().getUri();
        MergeSearchCompleted event = MergeSearchCompleted.newBuilder().setResult(result).addAllInputs(inputs).build();
        return publisher.publish(Topics.MERGES, key, event).whenComplete((metadata, error) -> {
            if (error != null) {
                LOG.errorf(error, "Could not publish MergeSearchCompleted for %s to %s", key, Topics.MERGES);
            }
        });
    }
}
