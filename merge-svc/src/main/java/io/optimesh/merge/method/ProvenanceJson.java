package io.optimesh.merge.method;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;

/** Method parameters as the JSON values written to a merged file's provenance. */
final class ProvenanceJson {

    private static final JsonMapper JSON = new JsonMapper();

    private ProvenanceJson() {
    }

    static String of(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
