package io.optimesh.merge.scale;

import io.optimesh.core.safetensors.DType;
import io.optimesh.core.safetensors.SafetensorsFile;
import io.optimesh.core.safetensors.SafetensorsWriter;
import io.optimesh.core.safetensors.TensorSpec;
import io.optimesh.merge.method.CheckpointMerger;
import io.optimesh.merge.method.LinearMerge;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Shows that a merge of checkpoints larger than 2 GiB runs in bounded memory: writes two checkpoints each
 * holding one F32 tensor of {@code gib} GiB (so offsets in it pass 2^31) and a small tensor after it, merges
 * them linearly (0.25, 0.75), checks sampled values on both sides of byte 2^31, and prints one JSON line with
 * the peak resident set size of the merge (Linux {@code VmHWM}, reset just before it) and its throughput.
 *
 * <pre>
 * ./mvnw -B -o -q -pl proto,core,merge-svc compile dependency:build-classpath -Dmdep.outputFile=/tmp/merge-cp.txt
 * java -Xmx512m -cp merge-svc/target/classes:$(cat /tmp/merge-cp.txt) io.optimesh.merge.scale.LargeMergeCheck /tmp/large-merge 2.25
 * </pre>
 * The directory must have room for three such files; they are deleted at the end.
 */
public final class LargeMergeCheck {

    /** Values repeat with this period (elements), so the inputs are written from one prepared buffer. */
    private static final int PERIOD = 1 << 20;

    private LargeMergeCheck() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        double gib = args.length > 1 ? Double.parseDouble(args[1]) : 2.25;
        long elements = (long) (gib * (1L << 30) / 4);
        Files.createDirectories(dir);
        Path a = dir.resolve("large-a.safetensors");
        Path b = dir.resolve("large-b.safetensors");
        Path out = dir.resolve("large-merged.safetensors");
        try {
            long t0 = System.nanoTime();
            write(a, elements, 1);
            write(b, elements, -2);
            double writeSeconds = (System.nanoTime() - t0) / 1e9;

            resetPeakRss();
            long t1 = System.nanoTime();
            new CheckpointMerger().merge(List.of(a, b), out, LinearMerge.of(0.25, 0.75));
            double mergeSeconds = (System.nanoTime() - t1) / 1e9;
            long peakRssKib = peakRssKib();

            verify(out, elements);
            long inputBytes = Files.size(a) + Files.size(b);
            System.out.printf(Locale.ROOT, "{\"check\":\"large_merge\",\"input_bytes\":%d,\"output_bytes\":%d,"
                    + "\"max_heap_bytes\":%d,\"peak_rss_mib\":%.1f,\"merge_seconds\":%.2f,\"merge_read_mib_per_s\":%.1f,"
                    + "\"write_inputs_seconds\":%.2f}%n", inputBytes, Files.size(out), Runtime.getRuntime().maxMemory(),
                    peakRssKib / 1024.0, mergeSeconds, inputBytes / (1 << 20) / mergeSeconds, writeSeconds);
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
            Files.deleteIfExists(out);
        }
    }

    private static float value(long i, float scale) {
        return scale * ((i % PERIOD) % 1000 - 500) / 64f;
    }

    private static void write(Path path, long elements, float scale) throws IOException {
        ByteBuffer period = ByteBuffer.allocate(PERIOD * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < PERIOD; i++) {
            period.putFloat(value(i, scale));
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(path, List.of(
                new TensorSpec("big", DType.F32, new long[] {elements}),
                new TensorSpec("tail", DType.F32, new long[] {3})), Map.of("format", "pt"))) {
            for (long start = 0; start < elements; start += PERIOD) {
                int n = (int) Math.min(PERIOD, elements - start);
                w.write("big", period.clear().limit(n * 4));
            }
            w.writeFloats("tail", new float[] {scale, 2 * scale, 3 * scale}, 0, 3);
        }
    }

    /** Samples around byte 2^31 of the big tensor, and the tail that lies past it. */
    private static void verify(Path out, long elements) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            float[] got = new float[16];
            for (long from : new long[] {0, (1L << 29) - 8, elements - 16}) {
                f.readFloats("big", from, got, 0, 16);
                for (int i = 0; i < 16; i++) {
                    float expected = (float) (0.25 * value(from + i, 1) + 0.75 * value(from + i, -2));
                    if (got[i] != expected) {
                        throw new IllegalStateException("element " + (from + i) + " is " + got[i] + ", expected " + expected);
                    }
                }
            }
            float[] tail = f.readFloats("tail");
            // 0.25 * (1, 2, 3) + 0.75 * (-2, -4, -6)
            if (tail[0] != -1.25f || tail[1] != -2.5f || tail[2] != -3.75f || f.info("tail").begin() <= Integer.MAX_VALUE) {
                throw new IllegalStateException("tail " + java.util.Arrays.toString(tail) + " at " + f.info("tail"));
            }
        }
    }

    /** Resets the kernel's peak RSS of this process (Linux 4.0+), so that it measures the merge alone. */
    private static void resetPeakRss() throws IOException {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    }

    private static long peakRssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }
}
