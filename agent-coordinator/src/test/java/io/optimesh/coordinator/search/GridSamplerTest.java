package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.intParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchSpace;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

class GridSamplerTest {

    private static final SearchSpace SPACE =
            SearchSpace.newBuilder()
                    .addParameters(categorical("optimizer", "adamw", "sgd"))
                    .addParameters(floatParam("learning_rate", 1e-4, 1, true))
                    .addParameters(
                            when(floatParam("momentum", 0.5, 0.9, false), "optimizer", "sgd"))
                    .build();

    private static List<Map<String, ParameterValue>> all(GridSampler g) {
        List<Map<String, ParameterValue>> out = new ArrayList<>();
        for (int i = 0; ; i++) {
            var p = g.propose(i, List.of());
            if (p.isEmpty()) {
                return out;
            }
            out.add(p.get());
        }
    }

    @Test
    void conditionalAxesMultiplyOnlyTheirBranch() {
        // adamw: 5 learning rates; sgd: 5 learning rates x 5 momenta.
        assertThat(GridSampler.size(SPACE, 5)).isEqualTo(30);
        List<Map<String, ParameterValue>> points = all(new GridSampler(SPACE, 5, 1));
        assertThat(points).hasSize(30).doesNotHaveDuplicates();
        assertThat(points.stream().filter(p -> p.containsKey("momentum"))).hasSize(25);
    }

    @Test
    void theSeedShufflesTheOrderButNotThePoints() {
        List<Map<String, ParameterValue>> a = all(new GridSampler(SPACE, 5, 1));
        List<Map<String, ParameterValue>> b = all(new GridSampler(SPACE, 5, 1));
        List<Map<String, ParameterValue>> c = all(new GridSampler(SPACE, 5, 2));
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        assertThat(new HashSet<>(c)).isEqualTo(new HashSet<>(a));
    }

    @Test
    void logAxesAreGeometricWithExactEnds() {
        double[] xs = GridSampler.floatAxis(SPACE.getParameters(1).getFloatDomain(), 5);
        assertThat(xs[0]).isEqualTo(1e-4);
        assertThat(xs[1]).isCloseTo(1e-3, within(1e-15));
        assertThat(xs[2]).isCloseTo(1e-2, within(1e-14));
        assertThat(xs[3]).isCloseTo(1e-1, within(1e-13));
        assertThat(xs[4]).isEqualTo(1.0);
    }

    @Test
    void smallIntRangesTakeEveryValueAndLargeOnesSpreadPoints() {
        assertThat(GridSampler.intAxis(intParam("batch_size", 2, 4, false).getIntDomain(), 5))
                .containsExactly(2L, 3L, 4L);
        assertThat(GridSampler.intAxis(intParam("batch_size", 1, 256, true).getIntDomain(), 5))
                .containsExactly(1L, 4L, 16L, 64L, 256L);
    }

    @Test
    void gridsBeyondTheLimitAreReported() {
        SearchSpace.Builder big = SearchSpace.newBuilder();
        for (int i = 0; i < 8; i++) {
            big.addParameters(floatParam("p" + i, 0, 1, false));
        }
        // 5^8 = 390,625 points.
        assertThat(GridSampler.size(big.build(), 5)).isEqualTo(-1);
    }
}
