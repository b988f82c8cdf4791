package io.optimesh.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.optimesh.core.optim.LossAware;
import io.optimesh.core.optim.UpdateRule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one of optimizer-svc's update rules ({@code io.optimesh.core.optim}, the same code the
 * service runs) in this process, on the model's fp32 parameters.
 *
 * <p>The optimizer keeps an fp32 master copy of every parameter in a Java array, read from the
 * model once. Each step copies each gradient tensor into a reused array, applies the rule to the
 * master copy and the algorithm's state, and copies the result into the parameter tensor: one copy
 * each way per tensor, no allocation. Between steps nothing else may write the parameters.
 *
 * <p>State arrays are whatever {@code Algorithm.newState(shape)} allocated for each tensor, named
 * {@code state<k>.<parameter>} in checkpoints; with the update count they restore bit-exactly. A
 * rule whose learning rate follows the loss ({@link LossAware}) is told each step's loss after the
 * step's update, and its controller is one more array, {@value #CONTROLLER}.
 */
public final class InProcessOptimizer implements ParameterUpdate {

    /** The checkpoint name of a {@link LossAware} rule's controller state. */
    public static final String CONTROLLER = "controller";

    private final OptimizerSettings settings;
    private final UpdateRule rule;
    private final List<Slot> slots = new ArrayList<>();
    private long updates;

    /** One parameter tensor and the arrays its updates reuse. */
    private static final class Slot {
        final String name;
        final int[] shape;
        final long[] dimensions;
        final double weightDecay;
        final float[] values;
        final float[] gradient;
        final float[] previous;
        final float[][] state;
        /** A direct buffer for writing to an accelerator's memory; null for CPU tensors. */
        ByteBuffer staging;

        Slot(String name, NDArray parameter, OptimizerSettings settings) {
            if (parameter.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("parameter " + name + " is " + parameter.getDataType()
                        + "; the optimizer updates fp32 parameters");
            }
            this.name = name;
            this.dimensions = parameter.getShape().getShape();
            this.shape = new int[dimensions.length];
            for (int i = 0; i < dimensions.length; i++) {
                shape[i] = Math.toIntExact(dimensions[i]);
            }
            this.weightDecay = settings.groups().weightDecay(name, shape, settings.weightDecay());
            int size = Math.toIntExact(parameter.size());
            this.values = new float[size];
            this.gradient = new float[size];
            this.previous = new float[size];
            this.state = settings.algorithm().newState(shape);
            read(parameter, values);
        }
    }

    /** Fresh (zero) state for every parameter; the master copies are read from {@code parameters}. */
    public InProcessOptimizer(OptimizerSettings settings, Map<String, NDArray> parameters) {
        this.settings = settings;
        this.rule = settings.rule();
        parameters.forEach((name, p) -> slots.add(new Slot(name, p, settings)));
    }

    /**
     * An optimizer that continues from {@code state} (as {@link #state()} gave it) after {@code
     * updates} updates, on parameters holding the weights saved with it.
     *
     * @throws IllegalArgumentException when the state does not fit these parameters and this algorithm
     */
    public static InProcessOptimizer restore(OptimizerSettings settings, Map<String, NDArray> parameters,
            Map<String, float[]> state, long updates) {
        if (updates < 0) {
            throw new IllegalArgumentException("updates must not be negative, got " + updates);
        }
        InProcessOptimizer optimizer = new InProcessOptimizer(settings, parameters);
        int expected = 0;
        for (Slot slot : optimizer.slots) {
            for (int k = 0; k < slot.state.length; k++) {
                String key = stateName(k, slot.name);
                float[] saved = state.get(key);
                if (saved == null) {
                    throw new IllegalArgumentException(settings.algorithm().name() + " state lacks " + key);
                }
                if (saved.length != slot.state[k].length) {
                    throw new IllegalArgumentException(key + " has " + saved.length + " values, "
                            + settings.algorithm().name() + " keeps " + slot.state[k].length);
                }
                System.arraycopy(saved, 0, slot.state[k], 0, saved.length);
                expected++;
            }
        }
        if (optimizer.rule instanceof LossAware lossAware) {
            float[] saved = state.get(CONTROLLER);
            if (saved == null) {
                throw new IllegalArgumentException(settings.algorithm().name() + " state lacks " + CONTROLLER);
            }
            lossAware.restoreController(saved);
            expected++;
        }
        if (state.size() != expected) {
            throw new IllegalArgumentException("optimizer state holds " + state.size() + " arrays, "
                    + settings.algorithm().name() + " keeps " + expected + " for these parameters");
        }
        optimizer.updates = updates;
        return optimizer;
    }

    /** The checkpoint name of state array {@code k} of {@code parameter}. */
    public static String stateName(int k, String parameter) {
        return "state" + k + "." + parameter;
    }

    public OptimizerSettings settings() {
        return settings;
    }

    @Override
    public Stats apply(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double learningRate) {
        if (parameters.size() != slots.size()) {
            throw new IllegalArgumentException(parameters.size() + " parameters, the optimizer was built for "
                    + slots.size());
        }
        long step = updates + 1;
        double parameterSquares = 0;
        double updateSquares = 0;
        for (Slot slot : slots) {
            NDArray parameter = parameters.get(slot.name);
            NDArray gradient = gradients.get(slot.name);
            if (parameter == null || gradient == null) {
                throw new IllegalArgumentException("no " + (parameter == null ? "parameter" : "gradient")
                        + " " + slot.name);
            }
            read(gradient, slot.gradient);
            System.arraycopy(slot.values, 0, slot.previous, 0, slot.values.length);
            rule.apply(slot.values, slot.gradient, slot.shape, slot.state, step, learningRate, slot.weightDecay);
            for (int i = 0; i < slot.values.length; i++) {
                double before = slot.previous[i];
                double change = slot.values[i] - before;
                parameterSquares += before * before;
                updateSquares += change * change;
            }
            write(slot, parameter);
        }
        updates = step;
        return new Stats(Math.sqrt(updateSquares), Math.sqrt(parameterSquares));
    }

    @Override
    public void observeLoss(double loss) {
        if (rule instanceof LossAware lossAware) {
            lossAware.observeLoss(loss);
        }
    }

    @Override
    public String name() {
        return settings.algorithm().name();
    }

    @Override
    public long updates() {
        return updates;
    }

    @Override
    public Map<String, StateTensor> state() {
        Map<String, StateTensor> state = new LinkedHashMap<>();
        for (Slot slot : slots) {
            for (int k = 0; k < slot.state.length; k++) {
                float[] values = slot.state[k];
                // Element-wise state has the parameter's shape; factored state is stored flat.
                long[] shape = values.length == slot.values.length ? slot.dimensions : new long[] {values.length};
                state.put(stateName(k, slot.name), new StateTensor(shape, values));
            }
        }
        if (rule instanceof LossAware lossAware) {
            float[] controller = lossAware.controllerState();
            state.put(CONTROLLER, new StateTensor(new long[] {controller.length}, controller));
        }
        return Collections.unmodifiableMap(state);
    }

    @Override
    public void close() {
        // Everything is on the Java heap.
    }

    /** Copies a tensor's values into {@code target}, through a view of its memory when it is on the CPU. */
    private static void read(NDArray tensor, float[] target) {
        if (tensor.size() != target.length || tensor.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(tensor.getName() + ": " + tensor.getDataType() + " " + tensor.getShape()
                    + ", expected " + target.length + " fp32 values");
        }
        tensor.toByteBuffer(true).asFloatBuffer().get(target);
    }

    private static void write(Slot slot, NDArray parameter) {
        if (parameter.getDevice().isGpu()) {
            if (slot.staging == null) {
                slot.staging = ByteBuffer.allocateDirect(slot.values.length * Float.BYTES).order(ByteOrder.nativeOrder());
            }
            slot.staging.asFloatBuffer().put(slot.values);
            parameter.set(slot.staging);
        } else {
            // The view is the tensor's own memory: one copy, and autograd sees no new operation.
            parameter.toByteBuffer(true).asFloatBuffer().put(slot.values);
        }
    }
}
