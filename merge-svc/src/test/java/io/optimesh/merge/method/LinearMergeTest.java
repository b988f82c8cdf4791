package io.optimesh.merge.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LinearMergeTest {

    @Test
    void combinesAsTheWeightedSumOfItsInputs() {
        double[] out = new double[3];
        LinearMerge.of(0.25, 0.75).combine(new double[][] {{1, 2, 3}, {3, 6, 9}}, 3, out);
        assertThat(out).containsExactly(2.5, 5, 7.5);
    }

    @Test
    void combinesOnlyTheRequestedPrefix() {
        double[] out = {-1, -1, -1};
        LinearMerge.normalised(1, 1, 2).combine(new double[][] {{4, 4, 4}, {8, 8, 8}, {2, 2, 2}}, 2, out);
        assertThat(out).containsExactly(4, 4, -1); // 1 + 2 + 1
    }

    @Test
    void extrapolatesWithWeightsOutsideTheUnitInterval() {
        double[] out = new double[1];
        LinearMerge.of(1.5, -0.5).combine(new double[][] {{2}, {4}}, 1, out);
        assertThat(out).containsExactly(1);
    }

    @Test
    void keepsTheSignOfZeroForASingleInput() {
        double[] out = new double[1];
        LinearMerge.of(1).combine(new double[][] {{-0.0}}, 1, out);
        assertThat(Double.doubleToRawLongBits(out[0])).isEqualTo(Double.doubleToRawLongBits(-0.0));
    }

    @Test
    void acceptsWeightsThatSumToOneUpToDecimalRounding() {
        assertThat(0.7 + 0.2 + 0.1).isNotEqualTo(1.0);
        assertThat(LinearMerge.of(0.7, 0.2, 0.1).weights()).containsExactly(0.7, 0.2, 0.1);
    }

    @Test
    void refusesWeightsThatDoNotSumToOne() {
        assertThatThrownBy(() -> LinearMerge.of(0.5, 0.4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sum to 0.9").hasMessageContaining("normalised");
        assertThatThrownBy(() -> LinearMerge.of()).hasMessageContaining("at least one weight");
        assertThatThrownBy(() -> LinearMerge.of(Double.NaN, 1)).hasMessageContaining("must be finite");
    }

    @Test
    void normalisesNonNegativeWeights() {
        assertThat(LinearMerge.normalised(1, 3).weights()).containsExactly(0.25, 0.75);
        assertThat(LinearMerge.uniform(4).weights()).containsExactly(0.25, 0.25, 0.25, 0.25);
        assertThatThrownBy(() -> LinearMerge.normalised(-1, 2)).hasMessageContaining("non-negative");
        assertThatThrownBy(() -> LinearMerge.normalised(0, 0)).hasMessageContaining("sum to 0");
        assertThatThrownBy(() -> LinearMerge.uniform(0)).hasMessageContaining("at least one");
    }

    @Test
    void recordsItsWeightsAsJson() {
        LinearMerge merge = LinearMerge.normalised(1, 3);
        assertThat(merge.name()).isEqualTo("linear");
        assertThat(merge.arity()).isEqualTo(2);
        assertThat(merge.parameters()).containsExactly(Map.entry("weights", "[0.25,0.75]"));
    }
}
