package io.optimesh.trainer.data;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level tokenization: a token is one byte of the text's UTF-8 encoding, so the vocabulary is
 * the 256 byte values, every text encodes losslessly and no vocabulary file is needed.
 */
public final class ByteTokenizer {

    public static final int VOCAB_SIZE = 256;

    public int vocabSize() {
        return VOCAB_SIZE;
    }

    /** Token ids (0–255) of the UTF-8 bytes of {@code text}. */
    public long[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long[] tokens = new long[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            tokens[i] = bytes[i] & 0xFF;
        }
        return tokens;
    }

    /**
     * The text whose UTF-8 bytes are these tokens; a sequence that is not valid UTF-8 (a model's
     * sample cut mid-character, say) decodes with U+FFFD replacement characters.
     */
    public String decode(long[] tokens) {
        byte[] bytes = new byte[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token " + tokens[i] + " at " + i + " is not a byte");
            }
            bytes[i] = (byte) tokens[i];
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
