package io.optimesh.law.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.law.model.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedParametersTest {

    private final BoundedParameters bounds = new BoundedParameters(List.of(
            Parameter.linear("L0", 0, 5, 1, 3),
            Parameter.log("B", 1e-8, 1e10, 10, 1e4)));

    @Test
    void roundTripsValuesInsideTheBounds() {
        double[] p = {2.375, 523.4};

        double[] back = bounds.toNatural(bounds.toUnbounded(p));

        assertThat(back[0]).isCloseTo(2.375, within(1e-12));
        assertThat(back[1]).isCloseTo(523.4, within(1e-9));
    }

    @Test
    void neverLeavesTheBounds() {
        for (double u : new double[] {-1e6, -40, 0, 40, 1e6}) {
            double[] p = bounds.toNatural(new double[] {u, u});
            assertThat(p[0]).isBetween(0.0, 5.0);
            assertThat(p[1]).isBetween(1e-8, 1e10);
        }
    }

    @Test
    void slopesAreDerivatives() {
        double[] u = {0.3, -1.2};
        double[] slope = bounds.slopes(u, bounds.toNatural(u));
        for (int j = 0; j < 2; j++) {
            double[] up = u.clone();
            double[] down = u.clone();
            up[j] += 1e-6;
            down[j] -= 1e-6;
            double numeric = (bounds.toNatural(up)[j] - bounds.toNatural(down)[j]) / 2e-6;
            assertThat(slope[j]).isCloseTo(numeric, within(1e-6 * Math.abs(numeric)));
        }
    }

    @Test
    void spreadsStartsUniformlyOnEachParametersScale() {
        double[] middle = bounds.startFromUnit(new double[] {0.5, 0.5});

        assertThat(middle[0]).isCloseTo(2, within(1e-12));
        assertThat(middle[1]).isCloseTo(Math.sqrt(10 * 1e4), within(1e-9));
    }
}
