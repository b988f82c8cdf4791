package io.optimesh.trainer.training;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/**
 * One optimizer step over named parameters, in place. The training loop computes gradients,
 * clips them and hands them here; what the update does with them (and the state it keeps) is the
 * implementation's business, so the optimizer can run in this process or elsewhere.
 */
public interface ParameterUpdate extends AutoCloseable {

    /**
     * Norms of what an update did, for the update-to-parameter ratio.
     *
     * @param updateNorm L2 norm of θ_new − θ_old over all parameters together
     * @param parameterNorm L2 norm of θ_old over all parameters together
     */
    record Stats(double updateNorm, double parameterNorm) {
        public double ratio() {
            return parameterNorm == 0 ? 0 : updateNorm / parameterNorm;
        }
    }

    /**
     * One state array of the optimizer, as a checkpoint stores it (fp32, row-major).
     *
     * @param shape its dimensions
     * @param values its values; live, so copy or write them before the next update
     */
    record StateTensor(long[] shape, float[] values) {}

    /**
     * Updates every parameter in place from its gradient.
     *
     * @param parameters the model's parameters by name
     * @param gradients a gradient for each parameter, same names and shapes
     * @param learningRate this step's learning rate
     */
    Stats apply(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double learningRate);

    /**
     * Reports the training loss of the step whose update was just applied, for algorithms whose
     * learning rate follows it (seed-adaptive); the others ignore it.
     */
    void observeLoss(double loss);

    /** The algorithm's name, recorded with checkpoints of its state (for example {@code adamw}). */
    String name();

    /** Updates applied so far (restored with the state on resume). */
    long updates();

    /** The optimizer's state arrays by name, for checkpoints (empty when {@link #snapshot()} holds it). */
    Map<String, StateTensor> state();

    /**
     * For an optimizer whose state lives elsewhere (optimizer-svc): writes a snapshot of it there
     * and returns the snapshots' URIs, which a checkpoint records in place of state arrays. Empty
     * for an optimizer whose state is {@link #state()}.
     */
    default List<String> snapshot() {
        return List.of();
    }

    /** Frees what the optimizer holds. */
    @Override
    void close();
}
