package io.optimesh.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The end of a log file, and following it as it grows, without reading a large log whole. */
public final class LogTail {

    private static final int CHUNK = 8192;

    private final Path file;
    private final String prefix;
    private long position;
    /** The file's identity (inode) when last read: up moves the old log aside and starts a new one. */
    private Object fileKey;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    private LogTail(Path file, String prefix, long position) {
        this.file = file;
        this.prefix = prefix;
        this.position = position;
        this.fileKey = fileKey(file);
    }

    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** The last {@code n} lines of the file (fewer if it is shorter; none if it does not exist). */
    public static List<String> lastLines(Path file, int n) throws IOException {
        if (n <= 0 || !Files.exists(file)) {
            return List.of();
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long end = raf.length();
            if (end == 0) {
                return List.of();
            }
            // A final line break ends the last line rather than starting an empty one.
            raf.seek(end - 1);
            long stop = raf.read() == '\n' ? end - 1 : end;
            long start = stop;
            int breaks = 0;
            byte[] buf = new byte[CHUNK];
            scan:
            while (start > 0) {
                int len = (int) Math.min(CHUNK, start);
                raf.seek(start - len);
                raf.readFully(buf, 0, len);
                for (int i = len - 1; i >= 0; i--) {
                    if (buf[i] == '\n' && ++breaks == n) {
                        start = start - len + i + 1;
                        break scan;
                    }
                }
                start -= len;
            }
            byte[] tail = new byte[(int) (stop - start)];
            raf.seek(start);
            raf.readFully(tail);
            return List.of(new String(tail, StandardCharsets.UTF_8).split("\r?\n", -1));
        }
    }

    /** Prints the last {@code n} lines of each file, each line prefixed when there are several files. */
    public static void print(List<Path> files, List<String> prefixes, int n, PrintWriter out) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            for (String line : lastLines(files.get(i), n)) {
                out.println(prefixes.get(i) + line);
            }
        }
        out.flush();
    }

    /** Starts following the files: what is appended to them from now on is what the follower prints. */
    public static Follower follow(List<Path> files, List<String> prefixes) throws IOException {
        List<LogTail> tails = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            tails.add(new LogTail(f, prefixes.get(i), Files.exists(f) ? Files.size(f) : 0));
        }
        return new Follower(tails);
    }

    /** Files being followed. A file that shrinks was rotated or truncated and is read again from its start. */
    public static final class Follower {
        private final List<LogTail> tails;

        private Follower(List<LogTail> tails) {
            this.tails = tails;
        }

        /** Prints the complete lines appended since the last call; false when nothing was appended. */
        public boolean printAppended(PrintWriter out) throws IOException {
            boolean any = false;
            for (LogTail tail : tails) {
                any |= tail.poll(out);
            }
            out.flush();
            return any;
        }

        /** Prints appended lines as they come until the thread is interrupted (or Ctrl-C ends the JVM). */
        public void run(PrintWriter out) throws IOException, InterruptedException {
            while (true) {
                if (!printAppended(out)) {
                    Thread.sleep(250);
                }
            }
        }
    }

    private boolean poll(PrintWriter out) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        long size = attributes.size();
        if (size < position || !Objects.equals(attributes.fileKey(), fileKey)) {
            position = 0;
            partial.reset();
            fileKey = attributes.fileKey();
        }
        if (size == position) {
            return false;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(position);
            byte[] buf = new byte[(int) Math.min(size - position, 1 << 20)];
            raf.readFully(buf);
            position += buf.length;
            List<String> lines = new ArrayList<>();
            for (byte b : buf) {
                if (b == '\n') {
                    lines.add(partial.toString(StandardCharsets.UTF_8).stripTrailing());
                    partial.reset();
                } else {
                    partial.write(b);
                }
            }
            for (String line : lines) {
                out.println(prefix + line);
            }
        }
        return true;
    }
}
