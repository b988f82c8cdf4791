package io.optimesh.trainer.data;

import io.optimesh.trainer.determinism.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training batches as a pure function of (seed, step): the windows of step s start at offsets
 * drawn uniformly from the training stream by a {@link SplittableRandom} seeded with
 * {@code mix(seed, s)}. Nothing carries over between steps, so a run resumed at step s sees
 * exactly the batches it would have seen, and any step's batch can be recomputed on its own.
 *
 * <p>A step's batch holds every row of the step; gradient accumulation splits it into
 * micro-batches of consecutive rows, so how a step is split does not change what it sees.
 */
public final class BatchSampler {

    /** Keeps batch seeds apart from other seeds derived from the same run seed. */
    private static final long DOMAIN = 0x42415443_48455321L;

    private final byte[] stream;
    private final int length;
    private final int rowsPerStep;
    private final long seed;

    /**
     * @param corpus the training split is sampled
     * @param length tokens per row (the model's context)
     * @param rowsPerStep rows of a whole step (micro-batch rows × accumulation steps)
     * @param seed the run's data seed
     */
    public BatchSampler(Corpus corpus, int length, int rowsPerStep, long seed) {
        if (length <= 0 || rowsPerStep <= 0) {
            throw new IllegalArgumentException("length and rowsPerStep must be positive");
        }
        if (corpus.trainStream().length < length + 1) {
            throw new IllegalArgumentException("training text of " + corpus.name() + " has "
                    + corpus.trainStream().length + " tokens, fewer than one window of " + (length + 1));
        }
        this.stream = corpus.trainStream();
        this.length = length;
        this.rowsPerStep = rowsPerStep;
        this.seed = seed;
    }

    public int rowsPerStep() {
        return rowsPerStep;
    }

    public int length() {
        return length;
    }

    /** The batch of step {@code step} (0-based, like the schedule's steps). */
    public Batch batch(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must not be negative");
        }
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, DOMAIN, step));
        // A window needs length + 1 tokens: offsets in [0, stream.length - length).
        int bound = stream.length - length;
        int[] offsets = new int[rowsPerStep];
        for (int row = 0; row < rowsPerStep; row++) {
            offsets[row] = random.nextInt(bound);
        }
        return windows(stream, offsets, length);
    }

    /**
     * Fixed validation batches: {@code count × rows} windows spread evenly from the start to the
     * end of the validation stream (the first starting at 0, the last ending at its end), cut into
     * {@code count} batches. They depend only on the corpus and the shape, never on a seed.
     */
    public static List<Batch> validationBatches(Corpus corpus, int length, int rows, int count) {
        if (length <= 0 || rows <= 0 || count <= 0) {
            throw new IllegalArgumentException("length, rows and count must be positive");
        }
        byte[] stream = corpus.validationStream();
        long span = (long) stream.length - length - 1;
        if (span < 0) {
            throw new IllegalArgumentException("validation text of " + corpus.name() + " has "
                    + stream.length + " tokens, fewer than one window of " + (length + 1));
        }
        int windows = rows * count;
        List<Batch> batches = new ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            int[] offsets = new int[rows];
            for (int row = 0; row < rows; row++) {
                long index = (long) b * rows + row;
                offsets[row] = windows == 1 ? 0 : (int) (index * span / (windows - 1));
            }
            batches.add(windows(stream, offsets, length));
        }
        return List.copyOf(batches);
    }

    private static Batch windows(byte[] stream, int[] offsets, int length) {
        long[] inputs = new long[offsets.length * length];
        long[] targets = new long[inputs.length];
        for (int row = 0; row < offsets.length; row++) {
            int offset = offsets[row];
            int base = row * length;
            for (int t = 0; t < length; t++) {
                inputs[base + t] = stream[offset + t] & 0xFF;
                targets[base + t] = stream[offset + t + 1] & 0xFF;
            }
        }
        return new Batch(offsets.length, length, inputs, targets);
    }
}
