package io.optimesh.trainer.run;

import com.google.protobuf.TextFormat;
import io.optimesh.v1.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Each run's record on disk, {@code <root>/<id>/run.txtpb} beside its checkpoints: the {@link Run}
 * message (spec, state and reason, step, checkpoints, latest metrics) in protobuf text format, so
 * a restarted trainer knows its runs and a person can read them. Every save writes a temporary file,
 * forces it to disk and renames it over the record: a crash leaves the previous record or the new one.
 */
final class RunRecords {

    static final String FILE = "run.txtpb";

    private static final Logger LOG = Logger.getLogger(RunRecords.class);

    private final Path root;

    RunRecords(Path root) {
        this.root = root;
    }

    /** Replaces the record of run {@code id}. */
    void save(String id, Run run) {
        Path directory = root.resolve(id);
        Path target = directory.resolve(FILE);
        Path staging = directory.resolve("." + FILE + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(directory);
            byte[] text = TextFormat.printer().printToString(run).getBytes(StandardCharsets.UTF_8);
            try (FileChannel out = FileChannel.open(staging, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(text);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(staging);
            } catch (IOException ignored) {
                // A leftover hidden temporary file is harmless; load() never reads it.
            }
            throw new UncheckedIOException("cannot save the record of runs/" + id + " to " + target, e);
        }
    }

    /**
     * Every readable record under the root. A record that cannot be read (damaged by hand, or from
     * an incompatible version) is logged and skipped, so one bad file does not keep the trainer down.
     */
    List<Run> load() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Run> runs = new ArrayList<>();
        try (Stream<Path> children = Files.list(root)) {
            for (Path directory : children.sorted().toList()) {
                Path file = directory.resolve(FILE);
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                try {
                    Run run = TextFormat.parse(Files.readString(file, StandardCharsets.UTF_8), Run.class);
                    if (!run.getName().equals("runs/" + directory.getFileName())) {
                        throw new IOException("it names " + run.getName());
                    }
                    runs.add(run);
                } catch (IOException e) {
                    LOG.warnf("Skipping the unreadable run record %s: %s", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list run records in " + root, e);
        }
        return runs;
    }
}
