package io.optimesh.core.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A safetensors file opened for reading. {@link #open} reads and validates the whole header, so every
 * later read addresses bytes known to lie within the file; tensor data is read on demand, memory-mapped
 * for large tensors, so a file of any size can be opened and read tensor by tensor or slice by slice.
 * Thread-safe: reads are positional and share no state.
 */
public final class SafetensorsFile implements SafetensorsReader {

    /** Tensors at least this large are memory-mapped by {@link #read(String)}; smaller ones are copied. */
    private static final long MAP_THRESHOLD_BYTES = 1 << 20;

    /** Slice size for element reads, so converting a huge tensor never needs a huge temporary buffer. */
    private static final int DECODE_CHUNK_BYTES = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    /**
     * Direct buffers for element reads, reused: the kernel copies into them once, where a heap buffer costs a
     * second copy through the JDK's temporary direct buffer. One per concurrent reader thread at most.
     */
    private final Queue<ByteBuffer> decodeBuffers = new ConcurrentLinkedQueue<>();

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, String> metadata,
            Map<String, TensorInfo> tensors) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /**
     * Opens and validates {@code path}: the header length lies within the file, the header is UTF-8
     * JSON with no duplicate keys, every tensor has a known dtype, a valid shape and offsets spanning
     * exactly its bytes, and the tensors cover the byte buffer without gaps or overlaps.
     *
     * @throws SafetensorsFormatException if the file breaks any rule; the message names the tensor
     */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return parse(path, channel);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__}, in file order; empty when the file has none. */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in header order. */
    @Override
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor named {@code name}; {@link IllegalArgumentException} if the file has none. */
    @Override
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + path);
        }
        return info;
    }

    /**
     * The whole tensor's bytes as a read-only little-endian buffer. Tensors over 2 GiB do not fit one
     * buffer: read them with {@link #read(String, long, int)} or the element reads.
     */
    public ByteBuffer read(String name) throws IOException {
        TensorInfo info = info(name);
        long size = info.byteSize();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + size
                    + " bytes, more than one buffer holds; read it in slices with read(name, offset, length)");
        }
        if (size >= MAP_THRESHOLD_BYTES) {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), size)
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        return read(name, 0, (int) size);
    }

    /** {@code length} bytes of the tensor starting {@code byteOffset} bytes into it, little-endian. */
    @Override
    public ByteBuffer read(String name, long byteOffset, int length) throws IOException {
        TensorInfo info = info(name);
        checkRange(info, byteOffset, length, info.byteSize(), "bytes");
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        readFully(buf, dataStart + info.begin() + byteOffset);
        return buf.flip().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The whole F32, F16 or BF16 tensor as floats, in row-major order. */
    public float[] readFloats(String name) throws IOException {
        TensorInfo info = info(name);
        float[] values = new float[arrayLength(info)];
        readFloats(name, 0, values, 0, values.length);
        return values;
    }

    /** Elements {@code [fromElement, fromElement + count)} of an F32, F16 or BF16 tensor, as floats. */
    @Override
    public void readFloats(String name, long fromElement, float[] dst, int offset, int count) throws IOException {
        TensorInfo info = info(name);
        DType dtype = info.dtype();
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + dtype
                    + (dtype == DType.F64 ? "; read it with readDoubles" : ", not a floating-point type"));
        }
        readElements(info, fromElement, dst.length, offset, count,
                (buf, at, n) -> FloatCodec.decode(dtype, buf, dst, at, n));
    }

    /** The whole F64, F32, F16 or BF16 tensor as doubles (exact for every one of them). */
    public double[] readDoubles(String name) throws IOException {
        TensorInfo info = info(name);
        double[] values = new double[arrayLength(info)];
        readDoubles(name, 0, values, 0, values.length);
        return values;
    }

    /** Elements {@code [fromElement, fromElement + count)} of a floating-point tensor, as doubles. */
    @Override
    public void readDoubles(String name, long fromElement, double[] dst, int offset, int count) throws IOException {
        TensorInfo info = info(name);
        DType dtype = info.dtype();
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + dtype + ", not a floating-point type");
        }
        readElements(info, fromElement, dst.length, offset, count,
                (buf, at, n) -> FloatCodec.decode(dtype, buf, dst, at, n));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return path.toString();
    }

    @FunctionalInterface
    private interface Decoder {
        void decode(ByteBuffer src, int dstOffset, int count);
    }

    private void readElements(TensorInfo info, long fromElement, int dstLength, int offset, int count,
            Decoder decoder) throws IOException {
        Objects.checkFromIndexSize(offset, count, dstLength);
        checkRange(info, fromElement, count, info.elementCount(), "elements");
        int width = info.dtype().byteSize();
        int perChunk = DECODE_CHUNK_BYTES / width;
        ByteBuffer buf = decodeBuffers.poll();
        if (buf == null) {
            buf = ByteBuffer.allocateDirect(DECODE_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            long position = dataStart + info.begin() + fromElement * width;
            for (int done = 0; done < count; done += perChunk) {
                int n = Math.min(perChunk, count - done);
                buf.clear().limit(n * width);
                readFully(buf, position + (long) done * width);
                decoder.decode(buf.flip(), offset + done, n);
            }
        } finally {
            decodeBuffers.offer(buf);
        }
    }

    private static int arrayLength(TensorInfo info) {
        long n = info.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + n
                    + " elements, more than one array holds; read it in slices");
        }
        return (int) n;
    }

    private static void checkRange(TensorInfo info, long from, long count, long size, String unit) {
        if (from < 0 || count < 0 || from > size - count) {
            throw new IndexOutOfBoundsException("tensor '" + info.name() + "' has " + size + " " + unit
                    + "; cannot read " + count + " from " + from);
        }
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        readFully(path, channel, dst, position);
    }

    private static SafetensorsFile parse(Path path, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < Header.LENGTH_PREFIX_BYTES) {
            throw new SafetensorsFormatException(path + ": file is " + fileSize
                    + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer prefix = ByteBuffer.allocate(Header.LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(path, channel, prefix, 0);
        long headerLength = prefix.flip().getLong();
        long available = fileSize - Header.LENGTH_PREFIX_BYTES;
        // Compared unsigned: the length is a u64, and anything over 2^63 is past the end all the same.
        if (Long.compareUnsigned(headerLength, available) > 0) {
            throw new SafetensorsFormatException(path + ": header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + available + " bytes follow the length)");
        }
        if (headerLength > Header.MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(path + ": header length " + headerLength
                    + " exceeds the format's limit of " + Header.MAX_HEADER_BYTES + " bytes");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(path, channel, headerBytes, Header.LENGTH_PREFIX_BYTES);
        headerBytes.flip();
        if (!headerBytes.hasRemaining() || headerBytes.get(0) != '{') {
            throw new SafetensorsFormatException(path + ": header does not start with '{'");
        }
        String json = decodeUtf8(path, headerBytes);
        JsonNode root;
        try {
            root = Header.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(path + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(path + ": header is not a JSON object");
        }
        long dataStart = Header.LENGTH_PREFIX_BYTES + headerLength;
        long bufferLength = fileSize - dataStart;
        Map<String, String> metadata = Map.of();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(Header.METADATA_KEY)) {
                metadata = parseMetadata(path, field.getValue());
            } else {
                TensorInfo info = parseTensor(path, field.getKey(), field.getValue(), bufferLength);
                tensors.put(info.name(), info);
            }
        }
        checkCoverage(path, tensors.values(), bufferLength);
        return new SafetensorsFile(path, channel, dataStart, metadata, Collections.unmodifiableMap(tensors));
    }

    /** Strictly: malformed UTF-8 is a format error, never replacement characters. */
    static String decodeUtf8(Path path, ByteBuffer bytes) throws SafetensorsFormatException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(path + ": header is not valid UTF-8", e);
        }
    }

    private static Map<String, String> parseMetadata(Path path, JsonNode node) throws SafetensorsFormatException {
        if (node.isNull()) {
            return Map.of(); // what the reference implementation writes for "no metadata"
        }
        if (!node.isObject()) {
            throw new SafetensorsFormatException(path + ": " + Header.METADATA_KEY + " is " + node.getNodeType()
                    + ", not an object of strings");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(path + ": " + Header.METADATA_KEY + " value of '" + e.getKey()
                        + "' is " + e.getValue().getNodeType() + ", not a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node, long bufferLength)
            throws SafetensorsFormatException {
        String where = path + ": tensor '" + name + "'";
        // Found by fuzzing: an empty name slipped through to TensorSpec's IllegalArgumentException.
        if (name.isEmpty()) {
            throw new SafetensorsFormatException(path + ": a tensor has an empty name");
        }
        if (!node.isObject()) {
            throw new SafetensorsFormatException(where + " is " + node.getNodeType() + ", not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsFormatException(where + ": \"dtype\" is missing or not a string");
        }
        DType dtype = DType.fromHeaderName(dtypeNode.textValue()).orElseThrow(() -> new SafetensorsFormatException(
                where + ": unknown dtype '" + dtypeNode.textValue() + "'"));
        long[] shape = longs(where, node, "shape", -1);
        long[] offsets = longs(where, node, "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new SafetensorsFormatException(where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end > bufferLength) {
            throw new SafetensorsFormatException(where + ": data_offsets [" + begin + ", " + end
                    + "] run past the end of the " + bufferLength + "-byte data buffer");
        }
        long expected;
        try {
            expected = Shapes.byteSize(name, shape, dtype);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(path + ": " + e.getMessage());
        }
        if (end - begin != expected) {
            throw new SafetensorsFormatException(where + ": data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin) + " bytes but " + dtype + Arrays.toString(shape) + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers; {@code length} -1 for any length. */
    private static long[] longs(String where, JsonNode tensor, String field, int length)
            throws SafetensorsFormatException {
        JsonNode node = tensor.get(field);
        if (node == null || !node.isArray()) {
            throw new SafetensorsFormatException(where + ": \"" + field + "\" is missing or not an array");
        }
        if (length >= 0 && node.size() != length) {
            throw new SafetensorsFormatException(where + ": \"" + field + "\" has " + node.size()
                    + " entries, expected " + length);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new SafetensorsFormatException(where + ": \"" + field + "\" entry " + v
                        + " is not a non-negative 64-bit integer");
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** Sorted by offset, the tensors must tile the buffer exactly, as the format requires. */
    private static void checkCoverage(Path path, Iterable<TensorInfo> tensors, long bufferLength)
            throws SafetensorsFormatException {
        List<TensorInfo> sorted = new ArrayList<>();
        tensors.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expectedBegin = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expectedBegin) {
                throw new SafetensorsFormatException(path + ": tensor '" + t.name() + "' [" + t.begin() + ", " + t.end()
                        + ") overlaps tensor '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (t.begin() > expectedBegin) {
                throw new SafetensorsFormatException(path + ": " + (t.begin() - expectedBegin) + " unused bytes at ["
                        + expectedBegin + ", " + t.begin() + ") before tensor '" + t.name() + "'");
            }
            expectedBegin = t.end();
            previous = t;
        }
        if (expectedBegin != bufferLength) {
            throw new SafetensorsFormatException(path + ": " + (bufferLength - expectedBegin)
                    + " bytes at the end of the data buffer belong to no tensor");
        }
    }

    private static void readFully(Path path, FileChannel channel, ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new SafetensorsFormatException(path + ": file ended at byte " + at
                        + " while reading; was it truncated after it was opened?");
            }
            at += n;
        }
    }
}
