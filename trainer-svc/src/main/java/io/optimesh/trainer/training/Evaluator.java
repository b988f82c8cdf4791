package io.optimesh.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.optimesh.trainer.data.Batch;
import io.optimesh.trainer.model.Gpt;
import io.optimesh.trainer.model.Torch;
import java.util.List;

/** Scores a model on fixed batches: loss, perplexity and next-token accuracy, without dropout or autograd. */
public final class Evaluator {

    private final List<Batch> batches;

    public Evaluator(List<Batch> batches) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("an evaluator needs at least one batch");
        }
        this.batches = List.copyOf(batches);
    }

    public List<Batch> batches() {
        return batches;
    }

    /** Scores {@code model}; {@code afterSteps} is recorded on the result. */
    public Evaluation evaluate(Gpt model, long afterSteps) {
        double negativeLogLikelihood = 0;
        long correct = 0;
        long tokens = 0;
        try (Torch.GradModeScope noGrad = Torch.noGrad()) {
            for (Batch batch : batches) {
                try (NDManager scope = model.manager().newSubManager()) {
                    Shape shape = new Shape(batch.rows(), batch.length());
                    NDArray inputs = scope.create(batch.inputs(), shape);
                    NDArray targets = scope.create(batch.targets(), shape);
                    NDArray logits = model.logits(inputs, false);
                    // Summed in float64: a long evaluation adds up many small terms.
                    negativeLogLikelihood -= Gpt.targetLogProbabilities(logits, targets)
                            .toType(DataType.FLOAT64, false).sum().getDouble();
                    correct += logits.argMax(2).eq(targets).toType(DataType.INT64, false).sum().getLong();
                    tokens += batch.tokens();
                }
            }
        }
        double loss = negativeLogLikelihood / tokens;
        return new Evaluation(afterSteps, loss, Math.exp(loss), (double) correct / tokens, tokens);
    }
}
