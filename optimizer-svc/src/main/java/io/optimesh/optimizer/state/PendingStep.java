package io.optimesh.optimizer.state;

import io.optimesh.core.optim.remote.FloatTensors;
import io.optimesh.v1.Tensor;
import io.optimesh.v1.TensorDType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gradients of one step as they arrive, checked against the state's tensors. Nothing is
 * applied until the step is complete, so a refused message leaves the state as it was.
 */
public final class PendingStep {

    private final HeldState state;
    private final Map<String, float[]> gradients = new LinkedHashMap<>();
    private long step = -1;
    private double learningRate;

    PendingStep(HeldState state) {
        this.state = state;
    }

    public HeldState state() {
        return state;
    }

    long step() {
        return step;
    }

    double learningRate() {
        return learningRate;
    }

    Map<String, float[]> gradients() {
        return gradients;
    }

    /**
     * Adds one message's gradients. The step number and learning rate must be those of the step's
     * first message; a gradient must name one of the state's tensors, once per step, with its
     * shape (or flattened to one dimension) and F32 data.
     */
    public void add(long stepNumber, double lr, List<Tensor> tensors) {
        List<StateException.Violation> violations = new ArrayList<>();
        if (step < 0) {
            step = stepNumber;
            learningRate = lr;
        } else {
            if (stepNumber != step) {
                violations.add(new StateException.Violation("step",
                        "this step's messages carry step " + step + ", this one " + stepNumber));
            }
            if (Double.compare(lr, learningRate) != 0) {
                violations.add(new StateException.Violation("learning_rate",
                        "this step's messages carry learning rate " + learningRate + ", this one " + lr));
            }
        }
        Map<String, float[]> decoded = new LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor g = tensors.get(i);
            String field = "gradients[" + i + "]";
            HeldTensor t = state.tensor(g.getName());
            if (t == null) {
                violations.add(new StateException.Violation(field + ".name",
                        "no parameter '" + g.getName() + "' in " + state.name()));
                continue;
            }
            if (gradients.containsKey(g.getName()) || decoded.containsKey(g.getName())) {
                violations.add(new StateException.Violation(field + ".name",
                        "a second gradient of '" + g.getName() + "' in step " + step));
                continue;
            }
            if (g.getDtype() != TensorDType.TENSOR_D_TYPE_F32) {
                violations.add(new StateException.Violation(field + ".dtype",
                        "gradients are F32, got " + g.getDtype()));
                continue;
            }
            if (!shapeFits(g.getShapeList(), t)) {
                violations.add(new StateException.Violation(field + ".shape",
                        "'" + g.getName() + "' has shape " + Arrays.toString(t.shape) + ", got "
                                + g.getShapeList()));
                continue;
            }
            if (g.getData().size() != t.size() * Float.BYTES) {
                violations.add(new StateException.Violation(field + ".data",
                        "'" + g.getName() + "' needs " + t.size() * Float.BYTES + " bytes, got "
                                + g.getData().size()));
                continue;
            }
            decoded.put(g.getName(), FloatTensors.decode(g));
        }
        if (!violations.isEmpty()) {
            throw StateException.invalid(violations);
        }
        gradients.putAll(decoded);
    }

    private static boolean shapeFits(List<Long> shape, HeldTensor t) {
        if (shape.size() == 1 && shape.get(0) == t.size()) {
            return true;
        }
        if (shape.size() != t.shape.length) {
            return false;
        }
        for (int d = 0; d < t.shape.length; d++) {
            if (shape.get(d) != t.shape[d]) {
                return false;
            }
        }
        return true;
    }
}
