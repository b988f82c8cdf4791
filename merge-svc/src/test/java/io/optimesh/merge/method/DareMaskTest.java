package io.optimesh.merge.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DareMaskTest {

    /**
     * Deltas 1..8 of tensor "w", input 0, seed 42, p = 0.5, after drop-and-rescale: pins the generator so that a
     * change to it, which would change every merged file, does not pass unnoticed.
     */
    static final double[] SEED_42_HALF_W0_KEPT = {2, 0, 0, 0, 10, 0, 14, 16};

    @Test
    void pinnedDrawsForSeed42() {
        DareMask mask = new DareMask(0.5, 42);
        long stream = mask.stream("w", 0);
        double[] kept = new double[8];
        for (int j = 0; j < 8; j++) {
            kept[j] = mask.apply(stream, j, j + 1);
        }
        assertThat(kept).containsExactly(SEED_42_HALF_W0_KEPT);
    }

    @Test
    void dropsAboutPAndRescalesTheRest() {
        DareMask mask = new DareMask(0.3, 7);
        long stream = mask.stream("layer.0.weight", 2);
        int n = 200_000;
        int kept = 0;
        for (int j = 0; j < n; j++) {
            double d = mask.apply(stream, j, 1.4);
            if (d != 0) {
                assertThat(d).isCloseTo(2, within(1e-15)); // 1.4 / (1 - 0.3)
                kept++;
            }
        }
        // Binomial(200000, 0.7): standard deviation 205, so 0.7 +- 0.005 is 4.9 sigma.
        assertThat(kept / (double) n).isCloseTo(0.7, within(0.005));
    }

    @Test
    void masksDifferBySeedTensorAndInputButNotByAskingAgain() {
        DareMask a = new DareMask(0.5, 1);
        DareMask b = new DareMask(0.5, 2);
        assertThat(agreement(a, a.stream("w", 0), a, a.stream("w", 0))).isEqualTo(1);
        // Independent masks agree on about half the elements.
        assertThat(agreement(a, a.stream("w", 0), b, b.stream("w", 0))).isCloseTo(0.5, within(0.02));
        assertThat(agreement(a, a.stream("w", 0), a, a.stream("v", 0))).isCloseTo(0.5, within(0.02));
        assertThat(agreement(a, a.stream("w", 0), a, a.stream("w", 1))).isCloseTo(0.5, within(0.02));
        assertThat(new DareMask(0, 3).keeps(a.stream("w", 0), 5)).isTrue();
    }

    private static double agreement(DareMask m1, long s1, DareMask m2, long s2) {
        int same = 0;
        int n = 10_000;
        for (int j = 0; j < n; j++) {
            if (m1.keeps(s1, j) == m2.keeps(s2, j)) {
                same++;
            }
        }
        return same / (double) n;
    }
}
