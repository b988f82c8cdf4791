package io.optimesh.merge.method;

import java.util.Arrays;

/**
 * Finds which {@code k} entries of a stream of numbers have the largest magnitudes, exactly, without holding the
 * stream: a radix selection over the bits of {@code |x|} (whose order as unsigned 64-bit patterns is the order of
 * the magnitudes), 16 bits per pass, four passes, each counting 65536 buckets. After the passes {@link #keeps}
 * walks the stream once more in the same order and keeps every entry above the threshold and, among the entries
 * equal to it, the first ones in stream order until {@code k} are kept, so exactly {@code k} survive.
 * NaN counts as larger than any number.
 */
final class TopMagnitudes {

    static final int PASSES = 4;
    private static final int BITS = 16;
    private static final int BUCKETS = 1 << BITS;

    private final long[] counts = new long[BUCKETS];
    private long k;
    private int pass;
    private long prefix;
    private long greater;
    private long tiesLeft;

    /** Starts a selection of the {@code k} largest magnitudes of a stream. */
    void reset(long k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must not be negative, got " + k);
        }
        this.k = k;
        pass = 0;
        prefix = 0;
        greater = 0;
        Arrays.fill(counts, 0);
    }

    static long key(double x) {
        return Double.doubleToRawLongBits(x) & Long.MAX_VALUE;
    }

    /** Counts {@code x} in the current pass. */
    void count(double x) {
        long key = key(x);
        int shift = 64 - BITS * (pass + 1);
        if (pass == 0 || key >>> (shift + BITS) == prefix) {
            counts[(int) (key >>> shift) & (BUCKETS - 1)]++;
        }
    }

    /** Ends a pass: narrows the threshold to the bucket that holds the k-th largest magnitude. */
    void endPass() {
        long need = k - greater;
        int bucket = BUCKETS - 1;
        // Buckets above the one holding the k-th largest are kept whole. Once need is 0 the walk stops at the next
        // bucket and later passes climb to its top, so the threshold ends just under the last entry kept.
        while (bucket > 0 && counts[bucket] < need) {
            need -= counts[bucket];
            greater += counts[bucket];
            bucket--;
        }
        prefix = (prefix << BITS) | bucket;
        Arrays.fill(counts, 0);
        pass++;
        if (pass == PASSES) {
            tiesLeft = k - greater;
        }
    }

    /** After the passes: whether the next entry of the stream, {@code x}, is among the {@code k} kept. */
    boolean keeps(double x) {
        long key = key(x);
        if (Long.compareUnsigned(key, prefix) > 0) {
            return true;
        }
        if (key == prefix && tiesLeft > 0) {
            tiesLeft--;
            return true;
        }
        return false;
    }
}
