package io.optimesh.core.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Constants and the JSON mapper of the header, shared by the reader and the writer. */
final class Header {

    /** The key of the free-form string map in the header. */
    static final String METADATA_KEY = "__metadata__";

    /** Bytes of the little-endian u64 that precedes the header. */
    static final int LENGTH_PREFIX_BYTES = 8;

    /** The byte buffer starts on this boundary; the header is padded with spaces to reach it. */
    static final int ALIGNMENT = 8;

    /** The reference implementation refuses larger headers; so do we, before allocating them. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Duplicate keys are refused (the spec forbids them) and nothing may follow the JSON object. */
    static final ObjectMapper MAPPER = JsonMapper.builder(new JsonFactory())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Header() {
    }
}
