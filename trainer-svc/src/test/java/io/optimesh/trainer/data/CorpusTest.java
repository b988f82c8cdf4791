package io.optimesh.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {

    @TempDir
    Path dir;

    @Test
    void europarlIsSplitAboutOneLineInTwenty() {
        Corpus corpus = Corpus.europarl();
        int lines = corpus.trainLines() + corpus.validationLines();
        assertThat(lines).isBetween(17_000, 17_597);
        assertThat((double) corpus.validationLines() / lines).isBetween(0.04, 0.06);
        assertThat(corpus.trainTokens()).isGreaterThan(15_000_000L);
        assertThat(corpus.validationTokens()).isGreaterThan(500_000L);
        // The text column only: no title/date prefix such as "\t2004-03-30\t".
        String head = new String(corpus.trainStream(), 0, 100_000, StandardCharsets.UTF_8);
        assertThat(head).doesNotContain("\t");
        assertThat(Corpus.europarl()).isSameAs(corpus);
    }

    @Test
    void theSplitDependsOnLineContentNotOrder() throws IOException {
        StringBuilder forward = new StringBuilder();
        StringBuilder backward = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            forward.append("line number ").append(i).append('\n');
            backward.insert(0, "line number " + i + "\n");
        }
        Path a = Files.writeString(dir.resolve("a.txt"), forward);
        Path b = Files.writeString(dir.resolve("b.txt"), backward);
        Corpus one = Corpus.fromPaths(List.of(a));
        Corpus other = Corpus.fromPaths(List.of(b));
        assertThat(one.validationLines()).isEqualTo(other.validationLines()).isBetween(5, 40);
        assertThat(sortedLines(one.validationStream())).isEqualTo(sortedLines(other.validationStream()));
        for (String line : sortedLines(one.validationStream())) {
            assertThat(new String(one.trainStream(), StandardCharsets.UTF_8)).doesNotContain(line + "\n");
        }
    }

    @Test
    void directoriesAreReadInPathOrderSkippingHiddenFilesAndBlankLines() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Files.writeString(sub.resolve("2.txt"), "\uFEFFsecond file\r\n\r\n   \n");
        Files.writeString(dir.resolve("1.txt"), "first file\n");
        Files.createDirectories(dir.resolve(".git"));
        Files.writeString(dir.resolve(".git/config"), "hidden\n");
        Files.writeString(dir.resolve(".hidden.txt"), "hidden\n");
        Corpus corpus = Corpus.fromPaths(List.of(dir));
        String all = new String(corpus.trainStream(), StandardCharsets.UTF_8)
                + new String(corpus.validationStream(), StandardCharsets.UTF_8);
        assertThat(corpus.trainLines() + corpus.validationLines()).isEqualTo(2);
        assertThat(all).contains("first file\n").contains("second file\n").doesNotContain("hidden")
                .doesNotContain("\r").doesNotContain("\uFEFF");
    }

    @Test
    void unreadableDataIsRefusedWithTheReason() throws IOException {
        assertThatThrownBy(() -> Corpus.fromPaths(List.of(dir.resolve("missing"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        Path binary = Files.write(dir.resolve("x.bin"), new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28, '\n'});
        assertThatThrownBy(() -> Corpus.fromPaths(List.of(binary))).hasMessageContaining("not valid UTF-8");
        Path blank = Files.writeString(dir.resolve("blank.txt"), "\n \n");
        assertThatThrownBy(() -> Corpus.fromPaths(List.of(blank))).hasMessageContaining("no training text");
    }

    private static List<String> sortedLines(byte[] stream) {
        return new String(stream, StandardCharsets.UTF_8).lines().sorted().toList();
    }
}
