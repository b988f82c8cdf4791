package io.optimesh.merge.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AdjacentMergeTest {

    @Test
    void weighsTheLatestCheckpointByLambdaAndThePreviousByOneMinusLambda() {
        double[] out = new double[2];
        // Inputs oldest first: 0.25 * 1 + 0.75 * 5 = 4 and 0.25 * 2 + 0.75 * 6 = 5.
        AdjacentMerge.of(0.75).combine(new double[][] {{1, 2}, {5, 6}}, 2, out);
        assertThat(out).containsExactly(4, 5);
        assertThat(AdjacentMerge.of(0.75).weights()).containsExactly(0.25, 0.75);
    }

    @Test
    void theEndsOfTheIntervalReturnOneCheckpoint() {
        double[] out = new double[2];
        AdjacentMerge.of(1).combine(new double[][] {{1, 2}, {5, 6}}, 2, out);
        assertThat(out).containsExactly(5, 6);
        AdjacentMerge.of(0).combine(new double[][] {{1, 2}, {5, 6}}, 2, out);
        assertThat(out).containsExactly(1, 2);
    }

    @Test
    void refusesLambdaOutsideTheUnitInterval() {
        assertThatThrownBy(() -> AdjacentMerge.of(1.25)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lambda must lie in [0, 1], got 1.25");
        assertThatThrownBy(() -> AdjacentMerge.of(-0.1)).hasMessageContaining("got -0.1");
        assertThatThrownBy(() -> AdjacentMerge.of(Double.NaN)).hasMessageContaining("got NaN");
    }

    @Test
    void recordsLambdaAndTheWeightsItApplies() {
        AdjacentMerge merge = AdjacentMerge.of(0.5);
        assertThat(merge.name()).isEqualTo("adjacent");
        assertThat(merge.arity()).isEqualTo(2);
        assertThat(merge.parameters()).containsOnly(Map.entry("lambda", "0.5"), Map.entry("weights", "[0.5,0.5]"));
    }
}
