package io.optimesh.cli.law;

import io.optimesh.cli.MeshException;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.Schedule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads learning curves for law-svc from CSV files with the columns {@code step,lr,loss} (a header row
 * naming them, in any order; other columns are ignored), as {@link LabeledCurve}s whose schedule is an
 * explicit per-step LR list.
 *
 * <p>Where {@code X.lr.csv} ({@code step,lr} for every step from 0) sits beside {@code X.csv} it is that
 * list, exactly; otherwise the list is rebuilt from the logged LRs: linear between logged steps, and a
 * linear ramp from 0 at step 0 to the first logged LR before it (law-svc's {@code LrSequences} rebuilds
 * logs the same way). A curve is named after its file, {@code X}. Every problem found in a file is
 * reported at once, each naming the file and its row (the header is row 1); the service then checks
 * what a file cannot show (too few points for a law, ...).
 */
public final class CurveFiles {

    static final String CURVE_SUFFIX = ".csv";
    static final String LR_SUFFIX = ".lr.csv";
    /** Problems listed per file before the rest are counted. */
    private static final int LISTED = 10;

    private CurveFiles() {
    }

    /** Every curve given: a file {@code X.csv}, or each {@code X.csv} in a directory (in name order). */
    public static List<LabeledCurve> read(List<Path> paths) {
        List<LabeledCurve> curves = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                curves.addAll(readDirectory(path));
            } else {
                curves.add(read(path));
            }
        }
        return curves;
    }

    /** Every curve file {@code X.csv} of a directory (not the {@code X.lr.csv} companions), by name. */
    public static List<LabeledCurve> readDirectory(Path dir) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> isCurveFile(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new MeshException("cannot list " + dir + ": " + e.getMessage());
        }
        if (files.isEmpty()) {
            throw new MeshException(dir + ": no curve files (X.csv with columns step,lr,loss)");
        }
        return files.stream().map(CurveFiles::read).toList();
    }

    static boolean isCurveFile(String fileName) {
        return fileName.endsWith(CURVE_SUFFIX) && !fileName.endsWith(LR_SUFFIX);
    }

    /** One curve file, with its {@code X.lr.csv} companion when there is one. */
    public static LabeledCurve read(Path file) {
        String fileName = file.getFileName().toString();
        if (!isCurveFile(fileName)) {
            throw new MeshException(file + ": a curve file is named X.csv with columns step,lr,loss"
                    + " (X.lr.csv holds the per-step LRs beside it)");
        }
        String name = fileName.substring(0, fileName.length() - CURVE_SUFFIX.length());
        Csv curve = Csv.read(file, List.of("step", "lr", "loss"));
        List<String> problems = new ArrayList<>(curve.problems);
        for (int i = 0; i < curve.size(); i++) {
            long step = (long) curve.values[0][i];
            double lr = curve.values[1][i];
            double loss = curve.values[2][i];
            String at = curve.at(i);
            if (i > 0 && step <= (long) curve.values[0][i - 1]) {
                problems.add(at + ": step " + step + " does not come after the previous step "
                        + (long) curve.values[0][i - 1]);
            }
            if (!(lr >= 0) || !Double.isFinite(lr)) {
                problems.add(at + ": lr " + lr + " is not a non-negative finite number");
            }
            if (!(loss > 0) || !Double.isFinite(loss)) {
                problems.add(at + ": loss " + loss + " is not a positive finite number");
            }
        }
        if (curve.problems.isEmpty() && curve.size() == 0) {
            problems.add(file + ": no data rows below the header");
        }
        fail(problems);

        int n = curve.size();
        long[] steps = new long[n];
        double[] logged = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = (long) curve.values[0][i];
            logged[i] = curve.values[1][i];
        }
        Path lrFile = file.resolveSibling(name + LR_SUFFIX);
        double[] lrs = Files.exists(lrFile) ? exactLrs(lrFile, file, curve, steps, logged) : fromLogged(steps, logged);

        LabeledCurve.Builder out = LabeledCurve.newBuilder().setName(name)
                .setSchedule(explicit(lrs));
        for (int i = 0; i < n; i++) {
            out.addPoints(CurvePoint.newBuilder().setStep(steps[i]).setLearningRate(logged[i])
                    .setLoss(curve.values[2][i]));
        }
        return out.build();
    }

    /** A schedule of exactly these per-step LRs. */
    public static Schedule explicit(double[] lrs) {
        ExplicitFamily.Builder family = ExplicitFamily.newBuilder();
        for (double lr : lrs) {
            family.addLrs(lr);
        }
        return Schedule.newBuilder().setTotalSteps(lrs.length).setExplicit(family).build();
    }

    /**
     * A schedule file: {@code step,lr} rows. Every step from 0 in order is the exact list; logged steps
     * with gaps are interpolated as curve logs are.
     */
    public static Schedule readSchedule(Path file) {
        Csv table = Csv.read(file, List.of("step", "lr"));
        List<String> problems = new ArrayList<>(table.problems);
        for (int i = 0; i < table.size(); i++) {
            if (i > 0 && table.values[0][i] <= table.values[0][i - 1]) {
                problems.add(table.at(i) + ": step " + (long) table.values[0][i]
                        + " does not come after the previous step " + (long) table.values[0][i - 1]);
            }
            double lr = table.values[1][i];
            if (!(lr >= 0) || !Double.isFinite(lr)) {
                problems.add(table.at(i) + ": lr " + lr + " is not a non-negative finite number");
            }
        }
        if (table.problems.isEmpty() && table.size() == 0) {
            problems.add(file + ": no data rows below the header");
        }
        fail(problems);
        long[] steps = Arrays.stream(table.values[0]).mapToLong(v -> (long) v).toArray();
        return explicit(fromLogged(steps, table.values[1]));
    }

    private static double[] exactLrs(Path lrFile, Path curveFile, Csv curve, long[] steps, double[] logged) {
        Csv table = Csv.read(lrFile, List.of("step", "lr"));
        List<String> problems = new ArrayList<>(table.problems);
        double[] lrs = new double[table.size()];
        for (int s = 0; s < table.size() && problems.isEmpty(); s++) {
            if (table.values[0][s] != s) {
                problems.add(table.at(s) + ": step " + (long) table.values[0][s] + " where step " + s
                        + " was expected: the file lists every step from 0 in order");
            }
            lrs[s] = table.values[1][s];
            if (!(lrs[s] >= 0) || !Double.isFinite(lrs[s])) {
                problems.add(table.at(s) + ": lr " + lrs[s] + " is not a non-negative finite number");
            }
        }
        fail(problems);
        long last = steps[steps.length - 1];
        if (last >= lrs.length) {
            fail(List.of(curve.at(steps.length - 1) + ": step " + last + " lies beyond " + lrFile
                    + ", which lists steps 0.." + (lrs.length - 1)));
        }
        for (int i = 0; i < steps.length; i++) {
            double expected = lrs[(int) steps[i]];
            // The LR files hold 8 significant digits.
            if (Math.abs(logged[i] - expected) > 1e-6 * Math.max(Math.abs(expected), Math.abs(logged[i]))) {
                problems.add(curve.at(i) + ": lr " + logged[i] + " at step " + steps[i] + " disagrees with "
                        + expected + " in " + lrFile.getFileName());
            }
        }
        fail(problems);
        return lrs;
    }

    /**
     * The LR of every step 0..last from LRs logged at some steps: linear between them, and a ramp from 0
     * at step 0 to the first logged LR (a log that starts at step 0 has no warmup to rebuild).
     */
    static double[] fromLogged(long[] steps, double[] lrs) {
        long last = steps[steps.length - 1];
        if (last >= Integer.MAX_VALUE - 8) {
            throw new MeshException("step " + last + " is beyond the longest schedule a request can carry");
        }
        double[] out = new double[(int) last + 1];
        int first = (int) steps[0];
        for (int s = 0; s <= first; s++) {
            out[s] = first == 0 ? lrs[0] : lrs[0] * s / first;
        }
        for (int i = 1; i < steps.length; i++) {
            int from = (int) steps[i - 1];
            int to = (int) steps[i];
            for (int s = from + 1; s <= to; s++) {
                out[s] = lrs[i - 1] + (lrs[i] - lrs[i - 1]) * (s - from) / (to - from);
            }
        }
        return out;
    }

    private static void fail(List<String> problems) {
        if (problems.isEmpty()) {
            return;
        }
        List<String> shown = new ArrayList<>(problems.subList(0, Math.min(LISTED, problems.size())));
        if (problems.size() > LISTED) {
            shown.add("and " + (problems.size() - LISTED) + " more problems");
        }
        throw new MeshException("bad curve input:\n  " + String.join("\n  ", shown));
    }

    /** The numeric columns of a CSV file, each data row with its row number in the file. */
    static final class Csv {
        final Path file;
        final int[] rows;
        final double[][] values;
        final List<String> problems;

        private Csv(Path file, int[] rows, double[][] values, List<String> problems) {
            this.file = file;
            this.rows = rows;
            this.values = values;
            this.problems = problems;
        }

        int size() {
            return rows.length;
        }

        /** Whether the file's header names {@code column}. */
        static boolean hasColumn(Path file, String column) {
            try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
                return lines.findFirst().map(h -> Arrays.stream(h.split(",", -1)).map(String::trim)
                        .anyMatch(column::equals)).orElse(false);
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new MeshException("cannot read " + file + ": " + e);
            }
        }

        /** "FILE row N" of data row {@code i}. */
        String at(int i) {
            return file + " row " + rows[i];
        }

        static Csv read(Path file, List<String> columns) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new MeshException("cannot read " + file + ": " + e);
            }
            List<String> problems = new ArrayList<>();
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                problems.add(file + " row 1: empty; a header row " + String.join(",", columns) + " is needed");
                return new Csv(file, new int[0], new double[columns.size()][0], problems);
            }
            List<String> header = Arrays.stream(lines.get(0).split(",", -1)).map(String::trim)
                    .map(h -> h.startsWith("\uFEFF") ? h.substring(1) : h).toList();
            int[] index = new int[columns.size()];
            for (int c = 0; c < columns.size(); c++) {
                index[c] = header.indexOf(columns.get(c));
                if (index[c] < 0) {
                    problems.add(file + " row 1: the header " + String.join(",", header) + " has no column '"
                            + columns.get(c) + "' (expected " + String.join(",", columns) + ")");
                }
            }
            if (!problems.isEmpty()) {
                return new Csv(file, new int[0], new double[columns.size()][0], problems);
            }
            int[] rows = new int[lines.size()];
            double[][] values = new double[columns.size()][lines.size()];
            int n = 0;
            for (int l = 1; l < lines.size(); l++) {
                String line = lines.get(l);
                if (line.isBlank()) {
                    continue;
                }
                int row = l + 1;
                String[] cells = line.split(",", -1);
                if (cells.length != header.size()) {
                    problems.add(file + " row " + row + ": " + cells.length + " columns, the header has "
                            + header.size());
                    continue;
                }
                boolean ok = true;
                for (int c = 0; c < columns.size(); c++) {
                    String cell = cells[index[c]].trim();
                    String column = columns.get(c);
                    try {
                        values[c][n] = column.equals("step") ? parseStep(cell) : Double.parseDouble(cell);
                    } catch (NumberFormatException e) {
                        ok = false;
                        problems.add(file + " row " + row + ": " + column + " '" + cell + "' is not "
                                + (column.equals("step") ? "a non-negative integer" : "a number"));
                    }
                }
                if (ok) {
                    rows[n++] = row;
                }
            }
            double[][] trimmed = new double[columns.size()][];
            for (int c = 0; c < columns.size(); c++) {
                trimmed[c] = Arrays.copyOf(values[c], n);
            }
            return new Csv(file, Arrays.copyOf(rows, n), trimmed, problems);
        }

        private static long parseStep(String cell) {
            long step = Long.parseLong(cell);
            if (step < 0) {
                throw new NumberFormatException("negative");
            }
            return step;
        }
    }
}
