package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailTest {

    @TempDir
    Path dir;

    @Test
    void lastLinesOfShortLongAndUnterminatedFiles() throws Exception {
        Path log = dir.resolve("a.log");
        assertThat(LogTail.lastLines(log, 5)).isEmpty();
        Files.writeString(log, "");
        assertThat(LogTail.lastLines(log, 5)).isEmpty();
        Files.writeString(log, "one\ntwo\nthree\n");
        assertThat(LogTail.lastLines(log, 2)).containsExactly("two", "three");
        assertThat(LogTail.lastLines(log, 10)).containsExactly("one", "two", "three");
        Files.writeString(log, "one\r\ntwo\r\nno end");
        assertThat(LogTail.lastLines(log, 2)).containsExactly("two", "no end");

        // Longer than the 8 KiB chunks it reads backwards in, with lines crossing chunk borders.
        String big = IntStream.range(0, 5000).mapToObj(i -> "line " + i + " " + "x".repeat(i % 37))
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(log, big);
        List<String> tail = LogTail.lastLines(log, 1200);
        assertThat(tail).hasSize(1200);
        assertThat(tail.get(0)).isEqualTo("line 3800 " + "x".repeat(3800 % 37));
        assertThat(tail.get(1199)).isEqualTo("line 4999 " + "x".repeat(4999 % 37));
    }

    @Test
    void followPrintsOnlyCompleteLinesAppendedLaterWithEachFilesPrefix() throws Exception {
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        Files.writeString(a, "old\n");
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);

        LogTail.Follower follower = LogTail.follow(List.of(a, b), List.of("a | ", "b | "));
        assertThat(follower.printAppended(out)).isFalse();

        Files.writeString(a, "new 1\nhalf", StandardOpenOption.APPEND);
        Files.writeString(b, "b first\n");
        assertThat(follower.printAppended(out)).isTrue();
        assertThat(text.toString().lines()).containsExactly("a | new 1", "b | b first");

        Files.writeString(a, " done\n", StandardOpenOption.APPEND);
        follower.printAppended(out);
        assertThat(text.toString().lines()).containsExactly("a | new 1", "b | b first", "a | half done");

        // up moves the old log aside and the restarted service writes a new one, longer or not.
        Files.move(b, dir.resolve("b.log.prev"));
        Files.writeString(b, "restarted\n");
        follower.printAppended(out);
        // Truncated in place: shorter than what was read.
        Files.writeString(a, "x\n");
        follower.printAppended(out);
        assertThat(text.toString().lines()).containsExactly("a | new 1", "b | b first", "a | half done",
                "b | restarted", "a | x");
    }
}
