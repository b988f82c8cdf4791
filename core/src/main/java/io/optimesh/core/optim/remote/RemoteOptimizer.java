package io.optimesh.core.optim.remote;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.optimesh.v1.ApplyUpdatesRequest;
import io.optimesh.v1.ApplyUpdatesResponse;
import io.optimesh.v1.CreateOptimizerStateRequest;
import io.optimesh.v1.DeleteOptimizerSnapshotRequest;
import io.optimesh.v1.DeleteOptimizerStateRequest;
import io.optimesh.v1.OptimizerServiceGrpc;
import io.optimesh.v1.OptimizerServiceGrpc.OptimizerServiceBlockingStub;
import io.optimesh.v1.OptimizerServiceGrpc.OptimizerServiceStub;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.OptimizerState;
import io.optimesh.v1.ParameterGroup;
import io.optimesh.v1.ParameterSpec;
import io.optimesh.v1.RestoreOptimizerStateRequest;
import io.optimesh.v1.SnapshotOptimizerStateRequest;
import io.optimesh.v1.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The trainer's side of the remote optimizer placement: the fp32 parameters and optimizer state of
 * a model live in one or more optimizer-svc replicas, sharded by parameter name ({@link
 * ParameterSharding}); each step sends the gradients and receives the updated parameters.
 *
 * <pre>{@code
 * RemoteOptimizer optimizer = RemoteOptimizer.create(channels, "run-42", spec, parameters);
 * optimizer.step(lr, gradients, parameters);   // parameters' arrays now hold the new values
 * List<String> snapshot = optimizer.snapshot(); // one file URI per replica
 * RemoteOptimizer again = RemoteOptimizer.restore(channels, snapshot, "run-42-resumed");
 * }</pre>
 *
 * <p>Gradient clipping is the caller's job (its global norm spans every replica): the spec's
 * {@code gradient_clip_norm} is not sent. Not thread-safe: one step at a time. A step that fails
 * on one replica may have advanced the others; resume from a snapshot then.
 */
public final class RemoteOptimizer {

    /** A parameter whose state the replicas hold: its initial values, and whether it decays. */
    public record Parameter(String name, int[] shape, boolean decay, float[] initialValues) {
        public Parameter {
            long size = 1;
            for (int dimension : shape) {
                size *= dimension;
            }
            if (size != initialValues.length) {
                throw new IllegalArgumentException(
                        name + ": shape " + Arrays.toString(shape) + " holds " + size
                                + " values, got " + initialValues.length);
            }
            shape = shape.clone();
        }
    }

    /**
     * Gradients are sent in messages of about this size (a larger tensor goes alone). Small on
     * purpose: optimizer-svc's Vert.x gRPC server copies a message's bytes received so far on every
     * HTTP/2 DATA frame, so its cost grows with the square of the message size (a 3.3M-parameter
     * step cost ~300 ms of server CPU in 4 MiB messages, ~90 ms in 256 KiB ones).
     */
    static final int BATCH_BYTES = 256 << 10;

    private static final int MAX_MESSAGE_BYTES = Integer.MAX_VALUE;

    private final List<OptimizerServiceStub> streams;
    private final List<OptimizerServiceBlockingStub> calls;
    // One state name per replica; null where the replica holds none of the parameters.
    private final String[] stateNames;
    private long step;

    private RemoteOptimizer(List<? extends Channel> replicas, String[] stateNames, long step) {
        this.streams = new ArrayList<>();
        this.calls = new ArrayList<>();
        for (Channel channel : replicas) {
            streams.add(
                    OptimizerServiceGrpc.newStub(channel)
                            .withMaxInboundMessageSize(MAX_MESSAGE_BYTES)
                            .withMaxOutboundMessageSize(MAX_MESSAGE_BYTES));
            calls.add(
                    OptimizerServiceGrpc.newBlockingStub(channel)
                            .withMaxInboundMessageSize(MAX_MESSAGE_BYTES)
                            .withMaxOutboundMessageSize(MAX_MESSAGE_BYTES));
        }
        this.stateNames = stateNames;
        this.step = step;
    }

    /**
     * Creates the state of {@code parameters} on the replicas, each holding the parameters {@link
     * ParameterSharding} assigns to it.
     *
     * @param replicas one channel per optimizer-svc replica, in the same order for every call of
     *     this run
     * @param stateId the id each replica gives its state ("" to let each choose)
     * @throws StatusRuntimeException as the replicas refuse (e.g. INVALID_ARGUMENT for an unknown
     *     algorithm, RESOURCE_EXHAUSTED over a replica's memory limit)
     */
    public static RemoteOptimizer create(
            List<? extends Channel> replicas,
            String stateId,
            OptimizerSpec optimizer,
            List<Parameter> parameters) {
        int shards = replicas.size();
        List<List<Parameter>> byShard = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            byShard.add(new ArrayList<>());
        }
        for (Parameter p : parameters) {
            byShard.get(ParameterSharding.shardOf(p.name(), shards)).add(p);
        }
        RemoteOptimizer remote = new RemoteOptimizer(replicas, new String[shards], 0);
        OptimizerSpec sent = optimizer.toBuilder().clearGradientClipNorm().build();
        for (int i = 0; i < shards; i++) {
            if (byShard.get(i).isEmpty()) {
                continue;
            }
            CreateOptimizerStateRequest.Builder request =
                    CreateOptimizerStateRequest.newBuilder()
                            .setStateId(stateId)
                            .setOptimizer(sent)
                            .setShardIndex(shards > 1 ? i : 0)
                            .setShardCount(shards > 1 ? shards : 0);
            for (Parameter p : byShard.get(i)) {
                ParameterSpec.Builder spec =
                        ParameterSpec.newBuilder()
                                .setName(p.name())
                                .setGroup(
                                        p.decay()
                                                ? ParameterGroup.PARAMETER_GROUP_DECAY
                                                : ParameterGroup.PARAMETER_GROUP_NO_DECAY)
                                .setInitialValue(
                                        FloatTensors.encode(p.name(), p.shape(), p.initialValues()));
                for (int dimension : p.shape()) {
                    spec.addShape(dimension);
                }
                request.addParameters(spec);
            }
            OptimizerState state =
                    remote.calls.get(i).createOptimizerState(request.build()).getState();
            remote.stateNames[i] = state.getName();
        }
        return remote;
    }

    /**
     * Restores the states {@link #snapshot()} wrote, one URI per replica ("" where a replica held
     * nothing), onto the same number of replicas.
     *
     * @param stateId the id each replica gives the restored state ("" to let each choose)
     */
    public static RemoteOptimizer restore(
            List<? extends Channel> replicas, List<String> snapshotUris, String stateId) {
        if (snapshotUris.size() != replicas.size()) {
            throw new IllegalArgumentException(
                    snapshotUris.size() + " snapshots for " + replicas.size() + " replicas");
        }
        RemoteOptimizer remote = new RemoteOptimizer(replicas, new String[replicas.size()], 0);
        long step = -1;
        for (int i = 0; i < replicas.size(); i++) {
            if (snapshotUris.get(i).isEmpty()) {
                continue;
            }
            OptimizerState state =
                    remote.calls
                            .get(i)
                            .restoreOptimizerState(
                                    RestoreOptimizerStateRequest.newBuilder()
                                            .setSnapshotUri(snapshotUris.get(i))
                                            .setStateId(stateId)
                                            .build())
                            .getState();
            int expectedIndex = replicas.size() > 1 ? i : 0;
            if (state.getShardIndex() != expectedIndex
                    || Math.max(1, state.getShardCount()) != replicas.size()) {
                throw new IllegalArgumentException(
                        snapshotUris.get(i) + " holds shard " + state.getShardIndex() + " of "
                                + Math.max(1, state.getShardCount()) + ", restored as shard "
                                + i + " of " + replicas.size());
            }
            if (step >= 0 && state.getStep() != step) {
                throw new IllegalArgumentException(
                        "the snapshots are of different steps: " + step + " and " + state.getStep());
            }
            step = state.getStep();
            remote.stateNames[i] = state.getName();
        }
        remote.step = Math.max(step, 0);
        return remote;
    }

    /** Steps applied so far. */
    public long step() {
        return step;
    }

    /** The state each replica holds, {@code optimizerStates/{id}}, or null where it holds none. */
    public List<String> stateNames() {
        return Arrays.asList(stateNames.clone());
    }

    /**
     * Applies the next step: sends each gradient to its replica, and copies the updated values
     * into the arrays of {@code parameters} (keyed by the same names). Parameters without a
     * gradient are left as they are.
     *
     * @return the L2 norm of the step's update over the parameters that had gradients
     * @throws StatusRuntimeException as a replica refuses the step
     */
    public double step(
            double learningRate, Map<String, float[]> gradients, Map<String, float[]> parameters) {
        int shards = stateNames.length;
        List<Map<String, float[]>> byShard = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            byShard.add(new HashMap<>());
        }
        for (Map.Entry<String, float[]> g : gradients.entrySet()) {
            int shard = ParameterSharding.shardOf(g.getKey(), shards);
            if (stateNames[shard] == null || !parameters.containsKey(g.getKey())) {
                throw new IllegalArgumentException("no state holds parameter '" + g.getKey() + "'");
            }
            byShard.get(shard).put(g.getKey(), g.getValue());
        }
        long next = step + 1;
        List<CompletableFuture<Double>> replies = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            if (!byShard.get(i).isEmpty()) {
                replies.add(
                        applyOn(i, next, learningRate, byShard.get(i), parameters));
            }
        }
        double squares = 0;
        for (CompletableFuture<Double> reply : replies) {
            double norm = await(reply);
            squares += norm * norm;
        }
        step = next;
        return Math.sqrt(squares);
    }

    private CompletableFuture<Double> applyOn(
            int shard,
            long stepNumber,
            double learningRate,
            Map<String, float[]> gradients,
            Map<String, float[]> parameters) {
        CompletableFuture<Double> done = new CompletableFuture<>();
        StreamObserver<ApplyUpdatesRequest> requests =
                streams.get(shard)
                        .applyUpdates(
                                new StreamObserver<>() {
                                    private double norm = Double.NaN;
                                    private int received;

                                    @Override
                                    public void onNext(ApplyUpdatesResponse response) {
                                        try {
                                            for (Tensor t : response.getParametersList()) {
                                                if (!gradients.containsKey(t.getName())) {
                                                    throw new IllegalStateException(
                                                            "an update of '" + t.getName()
                                                                    + "', which had no gradient");
                                                }
                                                FloatTensors.decodeInto(t, parameters.get(t.getName()));
                                                received++;
                                            }
                                            if (response.getEndOfStep()) {
                                                norm = response.getUpdateNorm();
                                            }
                                        } catch (RuntimeException e) {
                                            done.completeExceptionally(e);
                                        }
                                    }

                                    @Override
                                    public void onError(Throwable error) {
                                        done.completeExceptionally(error);
                                    }

                                    @Override
                                    public void onCompleted() {
                                        if (Double.isNaN(norm) || received != gradients.size()) {
                                            done.completeExceptionally(
                                                    new IllegalStateException(
                                                            stateNames[shard]
                                                                    + " ended the call without"
                                                                    + " completing step "
                                                                    + stepNumber));
                                        } else {
                                            done.complete(norm);
                                        }
                                    }
                                });
        ApplyUpdatesRequest.Builder batch = newBatch(shard, stepNumber, learningRate);
        long batchBytes = 0;
        for (Map.Entry<String, float[]> g : gradients.entrySet()) {
            long bytes = (long) g.getValue().length * Float.BYTES;
            if (batch.getGradientsCount() > 0 && batchBytes + bytes > BATCH_BYTES) {
                requests.onNext(batch.build());
                batch = newBatch(shard, stepNumber, learningRate);
                batchBytes = 0;
            }
            batch.addGradients(
                    FloatTensors.encode(g.getKey(), new int[] {g.getValue().length}, g.getValue()));
            batchBytes += bytes;
        }
        requests.onNext(batch.setEndOfStep(true).build());
        requests.onCompleted();
        return done;
    }

    private ApplyUpdatesRequest.Builder newBatch(int shard, long stepNumber, double learningRate) {
        return ApplyUpdatesRequest.newBuilder()
                .setState(stateNames[shard])
                .setStep(stepNumber)
                .setLearningRate(learningRate);
    }

    /**
     * Writes a bit-exact snapshot on every replica holding state, under each replica's state
     * directory.
     *
     * @return one file URI per replica, "" where a replica holds nothing; {@link
     *     #restore(List, List, String)} takes this list
     */
    public List<String> snapshot() {
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < stateNames.length; i++) {
            uris.add(
                    stateNames[i] == null
                            ? ""
                            : calls.get(i)
                                    .snapshotOptimizerState(
                                            SnapshotOptimizerStateRequest.newBuilder()
                                                    .setName(stateNames[i])
                                                    .build())
                                    .getSnapshot()
                                    .getUri());
        }
        return uris;
    }

    /** Deletes the state on every replica, freeing its memory there. */
    public void delete() {
        for (int i = 0; i < stateNames.length; i++) {
            if (stateNames[i] != null) {
                calls.get(i)
                        .deleteOptimizerState(
                                DeleteOptimizerStateRequest.newBuilder().setName(stateNames[i]).build());
            }
        }
    }

    /**
     * Deletes the snapshots {@link #snapshot()} wrote, one URI per replica in the same order ("" where
     * a replica held nothing), for instance when the checkpoint that recorded them is retired.
     *
     * @return how many files the replicas deleted (fewer when some were already gone)
     */
    public static int deleteSnapshots(List<? extends Channel> replicas, List<String> snapshots) {
        if (snapshots.size() != replicas.size()) {
            throw new IllegalArgumentException(
                    snapshots.size() + " snapshots for " + replicas.size() + " replicas");
        }
        int deleted = 0;
        for (int i = 0; i < snapshots.size(); i++) {
            if (!snapshots.get(i).isEmpty()
                    && OptimizerServiceGrpc.newBlockingStub(replicas.get(i))
                            .deleteOptimizerSnapshot(
                                    DeleteOptimizerSnapshotRequest.newBuilder()
                                            .setSnapshotUri(snapshots.get(i))
                                            .build())
                            .getDeleted()) {
                deleted++;
            }
        }
        return deleted;
    }

    private static double await(CompletableFuture<Double> reply) {
        try {
            return reply.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a step", e);
        }
    }
}
