package io.optimesh.core.bayesopt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DesignsTest {

    @Test
    void gridUsesTheWholeBudgetInOneDimensionAndTheLargestSquareInTwo() {
        List<double[]> line = Designs.grid(1, 30);
        assertThat(line).hasSize(30);
        assertThat(line.get(0)).containsExactly(0.0);
        assertThat(line.get(29)).containsExactly(1.0);
        assertThat(line.get(1)[0]).isEqualTo(1 / 29.0);
        assertThat(Designs.grid(2, 30)).hasSize(25);
        assertThat(Designs.grid(2, 9)).hasSize(9).anySatisfy(p -> assertThat(p).containsExactly(0.5, 0.5));
        assertThat(Designs.grid(3, 7)).hasSize(1).allSatisfy(p -> assertThat(p).containsExactly(0.5, 0.5, 0.5));
    }

    @Test
    void latinHypercubePutsOnePointInEachStratumOfEachCoordinate() {
        List<double[]> points = Designs.latinHypercube(3, 10, new SplittableRandom(5));
        for (int i = 0; i < 3; i++) {
            int coordinate = i;
            int[] strata = points.stream().mapToInt(p -> (int) (p[coordinate] * 10)).sorted().toArray();
            assertThat(strata).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    @Test
    void shiftedSobolStaysInTheBoxFillsItEvenlyAndDependsOnTheSeed() {
        List<double[]> a = Designs.sobol(2, 64, new SplittableRandom(1));
        List<double[]> b = Designs.sobol(2, 64, new SplittableRandom(2));
        assertThat(a).allSatisfy(p -> assertThat(Arrays.stream(p).allMatch(c -> c >= 0 && c < 1)).isTrue());
        // Each coordinate of the first 64 Sobol points is {k / 64}; a shift mod 1 keeps one point per 1/64.
        for (int i = 0; i < 2; i++) {
            int coordinate = i;
            assertThat(a.stream().mapToInt(p -> (int) (p[coordinate] * 64)).sorted().toArray())
                    .containsExactly(java.util.stream.IntStream.range(0, 64).toArray());
        }
        assertThat(Arrays.equals(a.get(0), b.get(0))).isFalse();
    }
}
