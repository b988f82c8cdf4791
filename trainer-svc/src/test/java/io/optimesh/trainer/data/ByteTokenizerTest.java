package io.optimesh.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void tokensAreTheUtf8Bytes() {
        assertThat(tokenizer.encode("aé€")).containsExactly(0x61, 0xC3, 0xA9, 0xE2, 0x82, 0xAC);
        assertThat(tokenizer.vocabSize()).isEqualTo(256);
    }

    @Test
    void decodingInvertsEncoding() {
        String text = "Frågestund (kommissionen) — Παρασκευή, 1998: l’autentica uguaglianza\n";
        assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
    }

    @Test
    void aCutCharacterDecodesToAReplacementAndNonBytesAreRefused() {
        assertThat(tokenizer.decode(new long[] {0x61, 0xE2, 0x82})).isEqualTo("a\uFFFD");
        assertThatThrownBy(() -> tokenizer.decode(new long[] {256})).hasMessageContaining("not a byte");
    }
}
