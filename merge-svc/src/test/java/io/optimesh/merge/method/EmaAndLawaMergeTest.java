package io.optimesh.merge.method;

import static io.optimesh.merge.method.SmallCheckpoints.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmaAndLawaMergeTest {

    @TempDir
    Path dir;

    @Test
    void emaUnrollsTheRecursionOverCheckpointsInOrder() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        Path p0 = c.write("w", v(4, 0));
        Path p1 = c.write("w", v(8, 2));
        Path p2 = c.write("w", v(16, -2));
        // decay 0.5: e0 = (4, 0), e1 = 0.5 e0 + 0.5 (8, 2) = (6, 1), e2 = 0.5 e1 + 0.5 (16, -2) = (11, -0.5);
        // the weights (0.25, 0.25, 0.5).
        EmaMerge ema = EmaMerge.of(0.5, 3);
        assertThat(ema.weights()).containsExactly(0.25, 0.25, 0.5);
        assertThat(c.merge(ema, p0, p1, p2).get("w")).containsExactly(11, -0.5);
        // decay 0.75 over two: 0.75 (4, 0) + 0.25 (8, 2) = (5, 0.5).
        assertThat(c.merge(EmaMerge.of(0.75, 2), p0, p1).get("w")).containsExactly(5, 0.5);
    }

    @Test
    void lawaAveragesTheLastKCheckpoints() throws IOException {
        SmallCheckpoints c = new SmallCheckpoints(dir);
        List<Path> run = List.of(c.write("w", v(1)), c.write("w", v(2)), c.write("w", v(4)), c.write("w", v(10)));
        LawaMerge lawa = LawaMerge.of(3);
        List<Path> window = lawa.window(run);
        assertThat(window).isEqualTo(run.subList(1, 4));
        // (2 + 4 + 10) / 3
        assertThat(c.merge(lawa, window.toArray(Path[]::new)).get("w")).containsExactly(16.0 / 3);
        assertThatThrownBy(() -> LawaMerge.of(5).window(run)).hasMessageContaining("window of 5 needs at least as many");
    }

    @Test
    void refusesBadParameters() {
        assertThatThrownBy(() -> EmaMerge.of(1, 2)).hasMessage("decay must lie in (0, 1), got 1.0");
        assertThatThrownBy(() -> LawaMerge.of(0)).hasMessage("the LAWA window must be at least 1, got 0");
    }
}
