package io.optimesh.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.optimesh.trainer.model.GptConfig.Positional;
import org.junit.jupiter.api.Test;

class GptConfigTest {

    @Test
    void presetsHaveTheAdvertisedSizes() {
        assertThat(GptConfig.tiny().parameterCount()).isEqualTo(220_544L);
        assertThat(GptConfig.small().parameterCount()).isEqualTo(3_290_624L);
        assertThat(GptConfig.base().parameterCount()).isEqualTo(86_039_040L);
        assertThat(GptConfig.tiny().parameterCount()).isBetween(150_000L, 250_000L);
        assertThat(GptConfig.small().parameterCount()).isBetween(2_000_000L, 5_000_000L);
        assertThat(GptConfig.base().parameterCount()).isBetween(25_000_000L, 100_000_000L);
    }

    @Test
    void parameterCountMatchesTheModelsParameterList() {
        for (String name : GptConfig.PRESETS) {
            GptConfig preset = GptConfig.preset(name);
            for (GptConfig config : new GptConfig[] {
                    preset, preset.withTiedEmbeddings(false), preset.withPositional(Positional.ROPE)}) {
                long listed = Gpt.parameterSpecs(config).stream().mapToLong(s -> s.shape().size()).sum();
                assertThat(config.parameterCount()).as(config.toString()).isEqualTo(listed);
            }
        }
    }

    @Test
    void untyingAddsAHeadAndRopeDropsThePositionTable() {
        GptConfig tiny = GptConfig.tiny();
        assertThat(tiny.withTiedEmbeddings(false).parameterCount() - tiny.parameterCount()).isEqualTo(256L * 64);
        assertThat(tiny.parameterCount() - tiny.withPositional(Positional.ROPE).parameterCount()).isEqualTo(64L * 64);
    }

    @Test
    void flopsPerTokenIsSixNPlusTheAttentionTerm() {
        GptConfig tiny = GptConfig.tiny();
        // N = 4 blocks × (12·64² + 13·64) + ln_f 2·64 + head 256·64 = 216,448.
        assertThat(tiny.computeParameterCount()).isEqualTo(216_448L);
        // 6N + 12·L·d·T = 1,298,688 + 12·4·64·64.
        assertThat(tiny.flopsPerToken()).isEqualTo(1_298_688.0 + 196_608.0);
        // Tying does not change the arithmetic: the head is a matmul either way.
        assertThat(tiny.withTiedEmbeddings(false).flopsPerToken()).isEqualTo(tiny.flopsPerToken());
        // Rows of 32 tokens attend over 32 positions: 12·4·64·32.
        assertThat(tiny.flopsPerToken(32)).isEqualTo(1_298_688.0 + 98_304.0);
        assertThatThrownBy(() -> tiny.flopsPerToken(65)).hasMessageContaining("sequenceLength");
    }

    @Test
    void presetsAreLookedUpByNameAndBadShapesAreRefused() {
        assertThat(GptConfig.preset("SMALL")).isEqualTo(GptConfig.small());
        assertThatThrownBy(() -> GptConfig.preset("huge"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tiny, small, base");
        assertThatThrownBy(() -> new GptConfig(256, 2, 100, 3, 64, Positional.LEARNED, true, 0))
                .hasMessageContaining("multiple of heads");
        assertThatThrownBy(() -> new GptConfig(256, 2, 96, 32, 64, Positional.ROPE, true, 0))
                .hasMessageContaining("even head dimension");
        assertThatThrownBy(() -> GptConfig.tiny().withDropout(1.0)).hasMessageContaining("dropout");
    }
}
