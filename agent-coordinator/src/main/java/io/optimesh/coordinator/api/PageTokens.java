package io.optimesh.coordinator.api;

import io.optimesh.coordinator.search.FieldViolation;
import io.optimesh.coordinator.study.StudyException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Opaque page tokens: the position after the last item served, tagged with the listing it belongs
 * to, base64url-encoded. Clients pass them back unchanged; anything else is refused.
 */
final class PageTokens {

    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 1000;

    private PageTokens() {}

    static String encode(String listing, String position) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((listing + "\n" + position).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The position a token holds, or empty for the first page.
     *
     * @throws StudyException INVALID_ARGUMENT on {@code page_token} for a token this listing did
     *     not issue
     */
    static String decode(String listing, String token) {
        if (token.isEmpty()) {
            return "";
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            if (newline > 0 && text.substring(0, newline).equals(listing)) {
                return text.substring(newline + 1);
            }
        } catch (IllegalArgumentException e) {
            // Not base64: refused below like any token this listing did not issue.
        }
        throw StudyException.invalid(
                "INVALID_PAGE_TOKEN",
                List.of(new FieldViolation("page_token", "not a page token of this listing")));
    }

    static int pageSize(int requested) {
        if (requested < 0 || requested > MAX_PAGE_SIZE) {
            throw StudyException.invalid(
                    "INVALID_PAGE_SIZE",
                    List.of(
                            new FieldViolation(
                                    "page_size", "must lie in [0, " + MAX_PAGE_SIZE + "]")));
        }
        return requested == 0 ? DEFAULT_PAGE_SIZE : requested;
    }
}
