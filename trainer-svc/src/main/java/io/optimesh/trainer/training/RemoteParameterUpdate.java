package io.optimesh.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.grpc.Channel;
import io.optimesh.core.optim.remote.RemoteOptimizer;
import io.optimesh.v1.OptimizerSpec;
import io.optimesh.v1.ParameterGroup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The optimizer placed in optimizer-svc: the replicas hold the fp32 master parameters and the
 * algorithm's state (the same {@code io.optimesh.core.optim} rules as {@link InProcessOptimizer});
 * each step sends the (already clipped) gradients and copies the parameters that come back into
 * the model's tensors. Checkpoints record the replicas' snapshots instead of state arrays.
 */
public final class RemoteParameterUpdate implements ParameterUpdate {

    private static final Logger LOG = Logger.getLogger(RemoteParameterUpdate.class);

    private final OptimizerSettings settings;
    private final RemoteOptimizer remote;
    private final List<Slot> slots = new ArrayList<>();
    /** Name to the host arrays the remote step reads and writes, in the model's order. */
    private final Map<String, float[]> gradients = new LinkedHashMap<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();

    private record Slot(String name, float[] values, float[] gradient, ByteBuffer[] staging) {}

    private RemoteParameterUpdate(OptimizerSettings settings, RemoteOptimizer remote, Map<String, NDArray> parameters) {
        this.settings = settings;
        this.remote = remote;
        parameters.forEach((name, p) -> {
            int size = Math.toIntExact(p.size());
            Slot slot = new Slot(name, new float[size], new float[size], new ByteBuffer[1]);
            read(p, slot.values);
            slots.add(slot);
            values.put(name, slot.values);
            gradients.put(name, slot.gradient);
        });
    }

    /**
     * Creates the optimizer's state on the replicas, initialised from the model's parameters.
     *
     * @param replicas one channel per optimizer-svc replica, in the order every later call uses
     * @throws io.grpc.StatusRuntimeException as a replica refuses
     */
    public static RemoteParameterUpdate create(List<? extends Channel> replicas, OptimizerSettings settings,
            Map<String, NDArray> parameters) {
        List<RemoteOptimizer.Parameter> specs = new ArrayList<>();
        parameters.forEach((name, p) -> {
            int[] shape = shape(p);
            float[] initial = new float[Math.toIntExact(p.size())];
            read(p, initial);
            boolean decay = settings.groups().groupOf(name, shape) == ParameterGroup.PARAMETER_GROUP_DECAY;
            specs.add(new RemoteOptimizer.Parameter(name, shape, decay, initial));
        });
        RemoteOptimizer remote = RemoteOptimizer.create(replicas, "", spec(settings), specs);
        return new RemoteParameterUpdate(settings, remote, parameters);
    }

    /**
     * Restores the state a checkpoint's snapshots hold, onto parameters holding the weights saved
     * with it.
     *
     * @throws IllegalStateException when the snapshots are not of {@code updates} steps
     */
    public static RemoteParameterUpdate restore(List<? extends Channel> replicas, List<String> snapshots,
            OptimizerSettings settings, Map<String, NDArray> parameters, long updates) {
        RemoteOptimizer remote = RemoteOptimizer.restore(replicas, snapshots, "");
        if (remote.step() != updates) {
            remote.delete();
            throw new IllegalStateException("the optimizer snapshots " + snapshots + " are at step " + remote.step()
                    + ", the checkpoint at step " + updates);
        }
        return new RemoteParameterUpdate(settings, remote, parameters);
    }

    /** The settings as optimizer-svc takes them; clipping stays with the trainer, which sees every gradient. */
    static OptimizerSpec spec(OptimizerSettings settings) {
        return OptimizerSpec.newBuilder()
                .setAlgorithm(settings.algorithm().name())
                .putAllHyperparameters(settings.hyperparameters())
                .setWeightDecay(settings.weightDecay())
                .build();
    }

    @Override
    public Stats apply(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double learningRate) {
        double parameterSquares = 0;
        for (Slot slot : slots) {
            NDArray gradient = gradients.get(slot.name);
            if (gradient == null) {
                throw new IllegalArgumentException("no gradient " + slot.name);
            }
            read(gradient, slot.gradient);
            for (float v : slot.values) {
                parameterSquares += (double) v * v;
            }
        }
        double updateNorm = remote.step(learningRate, this.gradients, values);
        for (Slot slot : slots) {
            NDArray parameter = parameters.get(slot.name);
            if (parameter == null) {
                throw new IllegalArgumentException("no parameter " + slot.name);
            }
            write(slot, parameter);
        }
        return new Stats(updateNorm, Math.sqrt(parameterSquares));
    }

    /** The planner keeps loss-aware algorithms in process, so there is nothing to forward. */
    @Override
    public void observeLoss(double loss) {
    }

    @Override
    public String name() {
        return settings.algorithm().name();
    }

    @Override
    public long updates() {
        return remote.step();
    }

    /** None here: the state lives in the replicas, and checkpoints take {@link #snapshot()}. */
    @Override
    public Map<String, StateTensor> state() {
        return Map.of();
    }

    @Override
    public List<String> snapshot() {
        return remote.snapshot();
    }

    /** Deletes the state on the replicas; snapshots already written stay for a resume. */
    @Override
    public void close() {
        try {
            remote.delete();
        } catch (RuntimeException e) {
            LOG.warnf("Could not delete optimizer state %s on the replicas: %s", remote.stateNames(), e.getMessage());
        }
    }

    private static int[] shape(NDArray tensor) {
        long[] dimensions = tensor.getShape().getShape();
        int[] shape = new int[dimensions.length];
        for (int i = 0; i < dimensions.length; i++) {
            shape[i] = Math.toIntExact(dimensions[i]);
        }
        return shape;
    }

    private static void read(NDArray tensor, float[] target) {
        if (tensor.size() != target.length || tensor.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(tensor.getName() + ": " + tensor.getDataType() + " " + tensor.getShape()
                    + ", expected " + target.length + " fp32 values");
        }
        tensor.toByteBuffer(true).asFloatBuffer().get(target);
    }

    private static void write(Slot slot, NDArray parameter) {
        if (parameter.getDevice().isGpu()) {
            if (slot.staging[0] == null) {
                slot.staging[0] = ByteBuffer.allocateDirect(slot.values.length * Float.BYTES)
                        .order(ByteOrder.nativeOrder());
            }
            slot.staging[0].clear();
            slot.staging[0].asFloatBuffer().put(slot.values);
            parameter.set(slot.staging[0]);
        } else {
            // The tensor's own memory: autograd sees no new operation.
            parameter.toByteBuffer(true).asFloatBuffer().put(slot.values);
        }
    }
}
