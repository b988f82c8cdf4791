package io.optimesh.trainer.run;

import com.google.protobuf.Timestamp;
import io.optimesh.trainer.checkpoint.Checkpoint;
import io.optimesh.trainer.model.GptConfig;
import io.optimesh.trainer.training.Divergence;
import io.optimesh.trainer.training.Evaluation;
import io.optimesh.trainer.training.StepMetrics;
import io.optimesh.v1.CheckpointRef;
import io.optimesh.v1.DivergenceEvidence;
import io.optimesh.v1.ModelInfo;
import io.optimesh.v1.PositionEncoding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** The training code's results as optimesh.v1 messages. */
final class Protos {

    private Protos() {}

    static io.optimesh.v1.StepMetrics stepMetrics(StepMetrics m) {
        return io.optimesh.v1.StepMetrics.newBuilder()
                .setStep(m.step())
                .setLoss(m.loss())
                .setLearningRate(m.learningRate())
                .setGradientNorm(m.gradNorm())
                .setTokensPerSecond(m.tokensPerSecond())
                .setUpdateToParamRatio(m.updateToParamRatio())
                .setTokensSeen(m.tokensSeen())
                .build();
    }

    static io.optimesh.v1.Evaluation evaluation(Evaluation e, String dataset) {
        return io.optimesh.v1.Evaluation.newBuilder()
                .setStep(e.afterSteps())
                .setLoss(e.loss())
                .setPerplexity(e.perplexity())
                .setNextTokenAccuracy(e.accuracy())
                .setTokensEvaluated(e.tokens())
                .setDataset(dataset)
                .build();
    }

    static ModelInfo modelInfo(GptConfig c) {
        return ModelInfo.newBuilder()
                .setParameterCount(c.parameterCount())
                .setFlopsPerToken(Math.round(c.flopsPerToken()))
                .setLayers(c.layers())
                .setWidth(c.dModel())
                .setHeads(c.heads())
                .setContext(c.context())
                .setPositionEncoding(c.positional() == GptConfig.Positional.ROPE
                        ? PositionEncoding.POSITION_ENCODING_ROPE
                        : PositionEncoding.POSITION_ENCODING_LEARNED)
                .setTiedEmbeddings(c.tiedEmbeddings())
                .build();
    }

    /** A reference to the checkpoint's weights file, with the validation loss when it was evaluated at its step. */
    static CheckpointRef checkpointRef(Checkpoint checkpoint, String runName) {
        Path weights = checkpoint.directory().resolve(checkpoint.manifest().weights()).toAbsolutePath();
        CheckpointRef.Builder ref = CheckpointRef.newBuilder()
                .setUri(weights.toUri().toString())
                .setRun(runName)
                .setStep(checkpoint.manifest().step());
        Evaluation evaluation = checkpoint.manifest().evaluation();
        if (evaluation != null && evaluation.afterSteps() == checkpoint.manifest().step()) {
            ref.setValidationLoss(evaluation.loss());
        }
        try {
            ref.setSizeBytes(Files.size(weights));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + weights, e);
        }
        return ref.build();
    }

    static DivergenceEvidence divergence(Divergence d) {
        return DivergenceEvidence.newBuilder().setStep(d.step()).setLoss(d.loss()).setReason(d.describe()).build();
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
}
