package io.optimesh.merge.method;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopMagnitudesTest {

    @Test
    void keepsTheSameEntriesAsAStableSortByMagnitude() {
        Random random = new Random(5);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + random.nextInt(300);
            double[] x = new double[n];
            for (int j = 0; j < n; j++) {
                // Few distinct values, signed zeros and infinities: many ties, and every bit pattern level matters.
                x[j] = switch (random.nextInt(6)) {
                    case 0 -> random.nextInt(3) - 1;
                    case 1 -> -0.0;
                    case 2 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                    case 3 -> Math.scalb(random.nextGaussian(), random.nextInt(200) - 100);
                    default -> random.nextGaussian();
                };
            }
            int k = random.nextInt(n + 1);
            assertThat(selected(x, k)).as("n=%d k=%d", n, k).isEqualTo(bySort(x, k));
        }
    }

    @Test
    void kZeroKeepsNothingAndKNKeepsEverything() {
        double[] x = {3, -1, 0, 2};
        assertThat(selected(x, 0)).containsExactly(false, false, false, false);
        assertThat(selected(x, 4)).containsExactly(true, true, true, true);
        assertThat(selected(x, 1)).containsExactly(true, false, false, false);
        assertThat(selected(x, 2)).containsExactly(true, false, false, true);
    }

    private static boolean[] selected(double[] x, int k) {
        TopMagnitudes top = new TopMagnitudes();
        top.reset(k);
        for (int pass = 0; pass < TopMagnitudes.PASSES; pass++) {
            for (double v : x) {
                top.count(v);
            }
            top.endPass();
        }
        boolean[] kept = new boolean[x.length];
        for (int j = 0; j < x.length; j++) {
            kept[j] = top.keeps(x[j]);
        }
        return kept;
    }

    private static boolean[] bySort(double[] x, int k) {
        Integer[] order = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
        // Largest magnitude first; equal magnitudes (0.0 and -0.0 included) in element order.
        Arrays.sort(order, Comparator.<Integer>comparingDouble(j -> -Math.abs(x[j])).thenComparingInt(j -> j));
        boolean[] kept = new boolean[x.length];
        for (int i = 0; i < k; i++) {
            kept[order[i]] = true;
        }
        return kept;
    }
}
