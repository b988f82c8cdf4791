package io.optimesh.optimizer.state;

import com.google.protobuf.Timestamp;
import io.optimesh.core.optim.Algorithm;
import io.optimesh.core.optim.ParallelUpdates;
import io.optimesh.core.optim.UpdateRule;
import io.optimesh.core.optim.remote.FloatTensors;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.OptimizerState;
import io.optimesh.v1.Tensor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Optimizer state of a set of named tensors under one algorithm, in fp32. Steps, snapshots and
 * descriptions lock the state, so each sees it between steps.
 */
public final class HeldState {

    /** The updated tensors of a step, and the L2 norm of the update. */
    public record StepResult(long step, List<Tensor> tensors, double updateNorm) {}

    private final String id;
    private final Algorithm algorithm;
    private final OptimizerSpec spec;
    private final UpdateRule rule;
    private final Map<String, HeldTensor> tensors;
    private final int shardIndex;
    private final int shardCount;
    private final Instant createTime;
    private final long memoryBytes;
    private long step;
    private Instant updateTime;

    HeldState(
            String id,
            Algorithm algorithm,
            OptimizerSpec spec,
            UpdateRule rule,
            List<HeldTensor> tensors,
            long step,
            int shardIndex,
            int shardCount,
            Instant createTime) {
        this.id = id;
        this.algorithm = algorithm;
        this.spec = spec;
        this.rule = rule;
        this.tensors = new LinkedHashMap<>();
        long bytes = 0;
        for (HeldTensor t : tensors) {
            this.tensors.put(t.name, t);
            bytes += t.memoryBytes();
        }
        this.memoryBytes = bytes;
        this.step = step;
        this.shardIndex = shardIndex;
        this.shardCount = shardCount;
        this.createTime = createTime;
        this.updateTime = createTime;
    }

    public String id() {
        return id;
    }

    public String name() {
        return StateStore.COLLECTION + id;
    }

    Algorithm algorithm() {
        return algorithm;
    }

    OptimizerSpec spec() {
        return spec;
    }

    int shardIndex() {
        return shardIndex;
    }

    int shardCount() {
        return shardCount;
    }

    /** The tensors in creation order; read their arrays only while holding this state's lock. */
    Collection<HeldTensor> tensors() {
        return tensors.values();
    }

    HeldTensor tensor(String name) {
        return tensors.get(name);
    }

    /** Bytes of every parameter and state array this state allocated. */
    public long memoryBytes() {
        return memoryBytes;
    }

    public synchronized long step() {
        return step;
    }

    /** A fresh, empty step to collect gradients into. */
    public PendingStep beginStep() {
        return new PendingStep(this);
    }

    /**
     * Applies a step whose gradients are all collected: each tensor with a gradient is updated by
     * the shared rule at its own step count; the others stay as they are.
     *
     * @param deltas return each tensor's change instead of its new values
     */
    synchronized StepResult apply(PendingStep pending, boolean deltas, ParallelUpdates updates) {
        long expected = step + 1;
        if (pending.step() != 0 && pending.step() != expected) {
            throw StateException.of(
                    StateException.Kind.STEP_OUT_OF_ORDER,
                    name() + " expects step " + expected + ", got step " + pending.step(),
                    Map.of("expected_step", Long.toString(expected),
                            "step", Long.toString(pending.step())));
        }
        Map<String, float[]> gradients = pending.gradients();
        List<HeldTensor> updated = new ArrayList<>();
        List<float[]> before = new ArrayList<>();
        List<ParallelUpdates.Job> jobs = new ArrayList<>();
        for (Map.Entry<String, float[]> g : gradients.entrySet()) {
            HeldTensor t = tensors.get(g.getKey());
            updated.add(t);
            before.add(t.parameters.clone());
            jobs.add(new ParallelUpdates.Job(t.parameters, g.getValue(), t.shape, t.state,
                    t.steps + 1, t.decay ? spec.getWeightDecay() : 0.0));
        }
        updates.apply(rule, jobs, pending.learningRate());
        List<Tensor> out = new ArrayList<>(updated.size());
        double squares = 0;
        for (int k = 0; k < updated.size(); k++) {
            HeldTensor t = updated.get(k);
            t.steps++;
            float[] old = before.get(k);
            float[] change = deltas ? old : null;
            for (int i = 0; i < old.length; i++) {
                float d = t.parameters[i] - old[i];
                squares += (double) d * d;
                if (change != null) {
                    change[i] = d;
                }
            }
            out.add(FloatTensors.encode(t.name, t.shape, deltas ? change : t.parameters));
        }
        step = expected;
        updateTime = Instant.now();
        return new StepResult(step, out, Math.sqrt(squares));
    }

    /** The contract's description of this state. */
    public synchronized OptimizerState describe() {
        long parameters = 0;
        for (HeldTensor t : tensors.values()) {
            parameters += t.size();
        }
        return OptimizerState.newBuilder()
                .setName(name())
                .setOptimizer(spec)
                .setParameterCount(parameters)
                .setTensorCount(tensors.size())
                .setMemoryBytes(memoryBytes)
                .setStep(step)
                .setCreateTime(timestamp(createTime))
                .setUpdateTime(timestamp(updateTime))
                .setShardIndex(shardIndex)
                .setShardCount(shardCount)
                .build();
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder()
                .setSeconds(instant.getEpochSecond())
                .setNanos(instant.getNano())
                .build();
    }
}
