package io.optimesh.optimizer.grpc;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque page tokens (AIP-158) over a stable list: the offset of the next page, base64url-encoded.
 */
final class PageTokens {

    private static final String PREFIX = "offset:";

    private PageTokens() {}

    /** The token of the page starting at {@code offset}, or "" when the list ends before it. */
    static String next(int offset, int size) {
        if (offset >= size) {
            return "";
        }
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((PREFIX + offset).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The offset a token stands for, 0 for "".
     *
     * @throws IllegalArgumentException if this service did not issue the token for a list of {@code
     *     size}
     */
    static int offset(String token, int size) {
        if (token.isEmpty()) {
            return 0;
        }
        try {
            String decoded =
                    new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith(PREFIX)) {
                int offset = Integer.parseInt(decoded.substring(PREFIX.length()));
                if (offset > 0 && offset < size) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException notBase64OrNotANumber) {
            // Same answer as any other token this service did not issue.
        }
        throw new IllegalArgumentException("not a page token of this list");
    }
}
