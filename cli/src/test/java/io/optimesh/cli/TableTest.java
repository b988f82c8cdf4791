package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsAreAlignedToTheirWidestCell() {
        String table = new Table("service", "address", "pid")
                .row("kafka", "localhost:9092", 12)
                .row("agent-coordinator", "localhost:8080", 12345)
                .render();
        assertThat(table).isEqualTo("""
                service            address         pid
                -----------------  --------------  -----
                kafka              localhost:9092  12
                agent-coordinator  localhost:8080  12345
                """);
        assertThatThrownBy(() -> new Table("a", "b").row("only one")).isInstanceOf(IllegalArgumentException.class);
    }
}
