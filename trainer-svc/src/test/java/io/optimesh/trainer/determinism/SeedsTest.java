package io.optimesh.trainer.determinism;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SeedsTest {

    @Test
    void normalsHaveTheRequestedMomentsAndRepeat() {
        float[] a = Seeds.normals(7, 200_001, 0.02);
        double mean = 0;
        for (float x : a) {
            mean += x;
        }
        mean /= a.length;
        double variance = 0;
        for (float x : a) {
            variance += (x - mean) * (x - mean);
        }
        variance /= a.length;
        assertThat(mean).isCloseTo(0, within(2e-4));
        assertThat(Math.sqrt(variance)).isCloseTo(0.02, within(2e-4));
        assertThat(Seeds.normals(7, 200_001, 0.02)).isEqualTo(a);
        assertThat(Seeds.normals(8, 10, 0.02)).isNotEqualTo(Seeds.normals(7, 10, 0.02));
    }

    @Test
    void mixSeparatesNearbyInputsAndOrder() {
        assertThat(Seeds.mix(1, 2)).isNotEqualTo(Seeds.mix(2, 1));
        assertThat(Seeds.mix(1, 2)).isNotEqualTo(Seeds.mix(1, 3));
        assertThat(Seeds.mix(1, 2)).isEqualTo(Seeds.mix(1, 2));
        assertThat(Seeds.hash("transformer.wte.weight")).isNotEqualTo(Seeds.hash("transformer.wpe.weight"));
    }
}
