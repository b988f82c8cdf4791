package io.optimesh.core.optim.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterShardingTest {

    private static List<String> gptNames(int layers) {
        List<String> names = new ArrayList<>(List.of("embed.weight", "lm_head.bias", "final_norm.weight"));
        for (int l = 0; l < layers; l++) {
            for (String part : List.of("attn.qkv.weight", "attn.proj.weight", "mlp.fc.weight",
                    "mlp.proj.weight", "ln1.weight", "ln2.weight")) {
                names.add("blocks." + l + "." + part);
            }
        }
        return names;
    }

    @Test
    void fnvMatchesTheReferenceVectors() {
        // From the FNV reference test suite.
        assertThat(ParameterSharding.fnv1a64(new byte[0])).isEqualTo(0xcbf29ce484222325L);
        assertThat(ParameterSharding.fnv1a64("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xaf63dc4c8601ec8cL);
        assertThat(ParameterSharding.fnv1a64("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x85944171f73967e8L);
    }

    @Test
    void oneShardHoldsEverything() {
        for (String name : gptNames(4)) {
            assertThat(ParameterSharding.shardOf(name, 1)).isZero();
        }
    }

    @Test
    void spreadsAModelsTensorsOverTheReplicas() {
        List<String> names = gptNames(50); // 303 tensors
        for (int shards : new int[] {2, 3, 4}) {
            int[] counts = new int[shards];
            for (String name : names) {
                int shard = ParameterSharding.shardOf(name, shards);
                assertThat(shard).isBetween(0, shards - 1);
                assertThat(ParameterSharding.shardOf(name, shards)).isEqualTo(shard);
                counts[shard]++;
            }
            double expected = (double) names.size() / shards;
            for (int count : counts) {
                // A fair coin per tensor stays well within 25% of the mean at this size.
                assertThat(count).isBetween((int) (expected * 0.75), (int) (expected * 1.25));
            }
        }
    }

    @Test
    void aNewReplicaTakesTensorsOnlyForItself() {
        int moved = 0;
        List<String> names = gptNames(50);
        for (String name : names) {
            int before = ParameterSharding.shardOf(name, 3);
            int after = ParameterSharding.shardOf(name, 4);
            if (after != before) {
                assertThat(after).isEqualTo(3);
                moved++;
            }
        }
        assertThat(moved).isBetween(names.size() / 8, names.size() * 3 / 8);
    }

    @Test
    void refusesNoShards() {
        assertThatThrownBy(() -> ParameterSharding.shardOf("w", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
