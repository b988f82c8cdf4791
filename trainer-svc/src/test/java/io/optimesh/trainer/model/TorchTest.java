package io.optimesh.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TorchTest {

    @Test
    void aScaledTensorsGradientIsTheFactorEvenAfterTheGarbageCollectorRan() throws InterruptedException {
        try (NDManager m = NDManager.newBaseManager(Torch.ENGINE)) {
            NDArray x = m.create(new float[] {1f, -2f, 3f});
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getEngine(Torch.ENGINE).newGradientCollector()) {
                NDArray y = Torch.scale(x, 0.25).sum();
                List<ByteBuffer> poison = FreedDirectMemory.reclaimAndPoison();
                collector.backward(y);
                assertThat(poison).isNotEmpty();
            }
            assertThat(x.getGradient().toFloatArray()).containsExactly(0.25f, 0.25f, 0.25f);
        }
    }
}
