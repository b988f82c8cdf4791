package io.optimesh.core.optim;

import static io.optimesh.v1.ParameterGroup.PARAMETER_GROUP_DECAY;
import static io.optimesh.v1.ParameterGroup.PARAMETER_GROUP_NO_DECAY;
import static io.optimesh.v1.ParameterGroup.PARAMETER_GROUP_UNSPECIFIED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterGroupsTest {

    private static final int[] MATRIX = {64, 256};
    private static final int[] VECTOR = {64};

    @Test
    void decaysTheMatmulWeightsOfAGpt() {
        ParameterGroups groups = ParameterGroups.defaults();
        assertThat(groups.groupOf("transformer.h.0.attn.c_attn.weight", MATRIX))
                .isEqualTo(PARAMETER_GROUP_DECAY);
        assertThat(groups.groupOf("transformer.h.3.mlp.c_proj.weight", MATRIX))
                .isEqualTo(PARAMETER_GROUP_DECAY);
        assertThat(groups.groupOf("lm_head.weight", MATRIX)).isEqualTo(PARAMETER_GROUP_DECAY);
    }

    @Test
    void leavesNormsBiasesAndEmbeddingsUndecayed() {
        ParameterGroups groups = ParameterGroups.defaults();
        assertThat(groups.groupOf("transformer.wte.weight", MATRIX)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        assertThat(groups.groupOf("transformer.wpe.weight", MATRIX)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        assertThat(groups.groupOf("model.embed_tokens.weight", MATRIX)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        assertThat(groups.groupOf("transformer.h.0.ln_1.weight", VECTOR)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        assertThat(groups.groupOf("model.layers.0.input_layernorm.weight", VECTOR))
                .isEqualTo(PARAMETER_GROUP_NO_DECAY);
        assertThat(groups.groupOf("transformer.h.0.mlp.c_fc.bias", VECTOR)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
    }

    @Test
    void aVectorIsUndecayedWhateverItsNameUnlessThatIsSwitchedOff() {
        assertThat(ParameterGroups.defaults().groupOf("scale", VECTOR)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        assertThat(ParameterGroups.defaults().groupOf("scalar", new int[0])).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        ParameterGroups byNameOnly = new ParameterGroups(List.of("*bias"), false);
        assertThat(byNameOnly.groupOf("scale", VECTOR)).isEqualTo(PARAMETER_GROUP_DECAY);
        assertThat(byNameOnly.groupOf("fc.bias", VECTOR)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
    }

    @Test
    void configuredPatternsReplaceTheDefaultsAndMatchTheWholeNameIgnoringCase() {
        ParameterGroups groups = ParameterGroups.noDecayMatching(List.of("head.?", "*.Gate*"));
        assertThat(groups.groupOf("transformer.wte.weight", MATRIX)).isEqualTo(PARAMETER_GROUP_DECAY);
        assertThat(groups.groupOf("head.w", MATRIX)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        assertThat(groups.groupOf("head.wx", MATRIX)).isEqualTo(PARAMETER_GROUP_DECAY);
        assertThat(groups.groupOf("moe.gate.weight", MATRIX)).isEqualTo(PARAMETER_GROUP_NO_DECAY);
        // Regex metacharacters in a pattern are literal: the dot matches only a dot.
        assertThat(groups.groupOf("headxw", MATRIX)).isEqualTo(PARAMETER_GROUP_DECAY);
    }

    @Test
    void weightDecayIsTheConfiguredValueForTheDecayedGroupOnly() {
        assertThat(ParameterGroups.weightDecay(PARAMETER_GROUP_DECAY, 0.1)).isEqualTo(0.1);
        assertThat(ParameterGroups.weightDecay(PARAMETER_GROUP_UNSPECIFIED, 0.1)).isEqualTo(0.1);
        assertThat(ParameterGroups.weightDecay(PARAMETER_GROUP_NO_DECAY, 0.1)).isEqualTo(0.0);
        assertThat(ParameterGroups.defaults().weightDecay("fc.weight", MATRIX, 0.05)).isEqualTo(0.05);
        assertThat(ParameterGroups.defaults().weightDecay("fc.bias", VECTOR, 0.05)).isEqualTo(0.0);
    }

    @Test
    void refusesABlankPattern() {
        assertThatThrownBy(() -> ParameterGroups.noDecayMatching(List.of(" ")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
