package io.optimesh.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchSamplerTest {

    private final Corpus corpus = Corpus.europarl();

    @TempDir
    Path dir;

    @Test
    void aStepsBatchIsAPureFunctionOfSeedAndStep() {
        BatchSampler first = new BatchSampler(corpus, 64, 8, 11);
        Batch step7 = first.batch(7);
        BatchSampler resumed = new BatchSampler(corpus, 64, 8, 11);
        assertThat(resumed.batch(7)).isEqualTo(step7);
        for (long step = 0; step < 7; step++) {
            first.batch(step);
        }
        assertThat(first.batch(7)).isEqualTo(step7);
        assertThat(first.batch(8)).isNotEqualTo(step7);
        assertThat(new BatchSampler(corpus, 64, 8, 12).batch(7)).isNotEqualTo(step7);
        assertThat(step7.rows()).isEqualTo(8);
        assertThat(step7.length()).isEqualTo(64);
    }

    @Test
    void rowsAreWindowsOfTheTrainingStreamWithTargetsShiftedByOne() {
        Batch batch = new BatchSampler(corpus, 32, 4, 3).batch(0);
        String stream = new String(corpus.trainStream(), java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int row = 0; row < batch.rows(); row++) {
            StringBuilder window = new StringBuilder();
            for (int t = 0; t < 32; t++) {
                window.append((char) batch.inputs()[row * 32 + t]);
                if (t > 0) {
                    assertThat(batch.targets()[row * 32 + t - 1]).isEqualTo(batch.inputs()[row * 32 + t]);
                }
            }
            window.append((char) batch.targets()[row * 32 + 31]);
            assertThat(stream).contains(window);
        }
    }

    @Test
    void offsetsCoverTheWholeStream() throws IOException {
        Path file = Files.writeString(dir.resolve("ten.txt"), "0123456789\n");
        Corpus small = Corpus.fromPaths(List.of(file));
        // 11 bytes, windows of 3 + 1: offsets 0..7 all appear in a few hundred draws.
        BatchSampler sampler = new BatchSampler(small, 3, 50, 1);
        java.util.Set<Long> starts = new java.util.TreeSet<>();
        for (long step = 0; step < 10; step++) {
            Batch b = sampler.batch(step);
            for (int row = 0; row < b.rows(); row++) {
                starts.add(b.inputs()[row * 3]);
            }
        }
        assertThat(starts).containsExactly((long) '0', (long) '1', (long) '2', (long) '3', (long) '4', (long) '5',
                (long) '6', (long) '7');
    }

    @Test
    void validationBatchesAreFixedAndSpanTheValidationText() {
        List<Batch> batches = BatchSampler.validationBatches(corpus, 64, 4, 3);
        assertThat(batches).hasSize(3).isEqualTo(BatchSampler.validationBatches(corpus, 64, 4, 3));
        byte[] stream = corpus.validationStream();
        Batch firstBatch = batches.get(0);
        Batch lastBatch = batches.get(2);
        assertThat(firstBatch.inputs()[0]).isEqualTo(stream[0] & 0xFF);
        assertThat(lastBatch.targets()[lastBatch.targets().length - 1]).isEqualTo(stream[stream.length - 1] & 0xFF);
    }

    @Test
    void microBatchesAreConsecutiveRows() {
        Batch batch = new BatchSampler(corpus, 16, 6, 5).batch(3);
        Batch second = batch.rows(2, 2);
        assertThat(second.rows()).isEqualTo(2);
        assertThat(second.inputs()).containsExactly(java.util.Arrays.copyOfRange(batch.inputs(), 32, 64));
        assertThatThrownBy(() -> batch.rows(5, 2)).hasMessageContaining("outside [0, 6)");
    }

    @Test
    void aCorpusTooShortForOneWindowIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("short.txt"), "abc\n");
        assertThatThrownBy(() -> new BatchSampler(Corpus.fromPaths(List.of(file)), 64, 1, 1))
                .hasMessageContaining("fewer than one window of 65");
    }
}
