package io.optimesh.merge.method;

import io.optimesh.core.safetensors.TensorInfo;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Task arithmetic (Ilharco et al. 2023): {@code base + sum_i lambda_i (theta_i - base)}, the first checkpoint
 * being the base. With DARE ({@link #dare}) each task vector {@code theta_i - base} is first dropped and rescaled
 * elementwise ({@link DareMask}), which is mergekit's {@code dare_linear}. Lambdas may be any finite numbers: a
 * negative one subtracts a task.
 */
public final class TaskArithmeticMerge implements TensorMerge {

    private final double[] lambdas;
    private final DareMask dare;

    private TaskArithmeticMerge(double[] lambdas, DareMask dare) {
        this.lambdas = lambdas;
        this.dare = dare;
    }

    /** One lambda per fine-tuned checkpoint (the inputs after the base). */
    public static TaskArithmeticMerge of(double... lambdas) {
        return new TaskArithmeticMerge(checked(lambdas), null);
    }

    /** Like {@link #of}, each task vector dropped with probability {@code p} and rescaled by {@code 1/(1-p)}. */
    public static TaskArithmeticMerge dare(double dropProbability, long seed, double... lambdas) {
        return new TaskArithmeticMerge(checked(lambdas), new DareMask(dropProbability, seed));
    }

    public double[] lambdas() {
        return lambdas.clone();
    }

    @Override
    public String name() {
        return dare == null ? "task_arithmetic" : "dare_linear";
    }

    @Override
    public int arity() {
        return lambdas.length + 1;
    }

    @Override
    public boolean usesBase() {
        return true;
    }

    @Override
    public Map<String, String> parameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("weights", ProvenanceJson.of(lambdas));
        if (dare != null) {
            p.put("drop_probability", ProvenanceJson.of(dare.dropProbability()));
            p.put("seed", ProvenanceJson.of(dare.seed()));
        }
        return p;
    }

    @Override
    public ChunkCombiner prepare(TensorInfo tensor, TensorScan scan) {
        long[] streams = new long[lambdas.length];
        if (dare != null) {
            for (int i = 0; i < lambdas.length; i++) {
                streams[i] = dare.stream(tensor.name(), i);
            }
        }
        return (first, inputs, length, out) -> {
            double[] base = inputs[0];
            System.arraycopy(base, 0, out, 0, length);
            for (int i = 0; i < lambdas.length; i++) {
                double lambda = lambdas[i];
                double[] theta = inputs[i + 1];
                for (int j = 0; j < length; j++) {
                    double delta = theta[j] - base[j];
                    out[j] += lambda * (dare == null ? delta : dare.apply(streams[i], first + j, delta));
                }
            }
        };
    }

    @Override
    public String toString() {
        return name() + Arrays.toString(lambdas);
    }

    private static double[] checked(double[] lambdas) {
        if (lambdas.length == 0) {
            throw new IllegalArgumentException("task arithmetic needs at least one checkpoint besides the base");
        }
        for (double l : lambdas) {
            if (!Double.isFinite(l)) {
                throw new IllegalArgumentException("weights " + Arrays.toString(lambdas) + " must be finite");
            }
        }
        return lambdas.clone();
    }
}
