package io.optimesh.core.curves;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads learning curves from CSV files with the columns {@code step,lr,loss} (a header row naming them,
 * in any order; other columns are ignored), and schedules from files with the columns {@code step,lr}.
 * law-svc and the CLI both read curves here, so a file means the same to both.
 *
 * <p>Where {@code X.lr.csv} ({@code step,lr} for every step from 0) sits beside {@code X.csv} it gives
 * the exact LR of every step, and every logged LR must agree with it; otherwise the LRs are rebuilt from
 * the logged ones by {@link LoggedLrs#rebuild}. Every problem found in a file is reported at once, each
 * naming the file and its row (the header is row 1). What a file cannot show (how many points a law
 * needs, ...) is for the reader's caller to check.
 */
public final class CurveCsv {

    public static final String CURVE_SUFFIX = ".csv";
    public static final String LR_SUFFIX = ".lr.csv";
    /** The LR files are written to 8 significant digits. */
    private static final double LR_AGREEMENT = 1e-6;

    private CurveCsv() {
    }

    /** Whether a file name is a curve's, {@code X.csv}, rather than an LR file's, {@code X.lr.csv}. */
    public static boolean isCurveFile(String fileName) {
        return fileName.endsWith(CURVE_SUFFIX) && !fileName.endsWith(LR_SUFFIX);
    }

    /**
     * The curve files {@code X.csv} of a directory (not their {@code X.lr.csv} companions), by name.
     *
     * @throws IllegalArgumentException when there are none
     */
    public static List<Path> curveFiles(Path dir) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> isCurveFile(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no curve files (X.csv with columns step,lr,loss)");
        }
        return files;
    }

    /**
     * One curve file, with its {@code X.lr.csv} companion when there is one.
     *
     * @throws CurveCsvException with every problem found in either file
     * @throws IllegalArgumentException when the file is not named {@code X.csv}
     */
    public static CsvCurve read(Path file) {
        String fileName = file.getFileName().toString();
        if (!isCurveFile(fileName)) {
            throw new IllegalArgumentException(file + ": a curve file is named X.csv with columns step,lr,loss"
                    + " (X.lr.csv holds the per-step LRs beside it)");
        }
        String name = fileName.substring(0, fileName.length() - CURVE_SUFFIX.length());
        Table curve = Table.read(file, List.of("step", "lr", "loss"));
        List<CsvProblem> problems = new ArrayList<>(curve.problems);
        int n = curve.size();
        for (int i = 0; i < n; i++) {
            if (i > 0 && curve.values[0][i] <= curve.values[0][i - 1]) {
                problems.add(curve.problem(i, "steps", "step " + (long) curve.values[0][i]
                        + " does not come after the previous step " + (long) curve.values[0][i - 1]));
            }
            if (curve.values[0][i] > LoggedLrs.MAX_STEP) {
                problems.add(curve.problem(i, "steps", "step " + (long) curve.values[0][i]
                        + " is beyond the longest schedule, " + LoggedLrs.MAX_STEP + " steps"));
            }
            checkLr(curve, i, problems);
            double loss = curve.values[2][i];
            if (!(loss > 0) || !Double.isFinite(loss)) {
                problems.add(curve.problem(i, "losses", "loss " + loss + " is not a positive finite number"));
            }
        }
        if (curve.problems.isEmpty() && n == 0) {
            problems.add(new CsvProblem(file, 0, "points", -1, "no data rows below the header"));
        }
        fail(problems);

        long[] steps = new long[n];
        for (int i = 0; i < n; i++) {
            steps[i] = (long) curve.values[0][i];
        }
        double[] logged = curve.values[1];
        Path lrFile = file.resolveSibling(name + LR_SUFFIX);
        if (!Files.exists(lrFile)) {
            return new CsvCurve(file, name, steps, logged, curve.values[2], curve.rows,
                    LoggedLrs.rebuild(steps, logged), null);
        }
        double[] lrs = everyStep(lrFile);
        long last = steps[n - 1];
        if (last >= lrs.length) {
            fail(List.of(curve.problem(n - 1, "lrs", "step " + last + " lies beyond " + lrFile.getFileName()
                    + ", which lists steps 0.." + (lrs.length - 1))));
        }
        for (int i = 0; i < n; i++) {
            double expected = lrs[(int) steps[i]];
            if (Math.abs(logged[i] - expected) > LR_AGREEMENT * Math.max(Math.abs(expected), Math.abs(logged[i]))) {
                problems.add(curve.problem(i, "lrs", "lr " + logged[i] + " at step " + steps[i] + " disagrees with "
                        + expected + " in " + lrFile.getFileName()));
            }
        }
        fail(problems);
        return new CsvCurve(file, name, steps, logged, curve.values[2], curve.rows, lrs, lrFile);
    }

    /**
     * A schedule file of {@code step,lr} rows, as the LR of every step: a file listing every step from 0
     * in order is that list exactly; logged steps with gaps are rebuilt as curve logs are.
     *
     * @throws CurveCsvException with every problem found
     */
    public static double[] readSchedule(Path file) {
        Table table = Table.read(file, List.of("step", "lr"));
        List<CsvProblem> problems = new ArrayList<>(table.problems);
        for (int i = 0; i < table.size(); i++) {
            if (i > 0 && table.values[0][i] <= table.values[0][i - 1]) {
                problems.add(table.problem(i, "steps", "step " + (long) table.values[0][i]
                        + " does not come after the previous step " + (long) table.values[0][i - 1]));
            }
            if (table.values[0][i] > LoggedLrs.MAX_STEP) {
                problems.add(table.problem(i, "steps", "step " + (long) table.values[0][i]
                        + " is beyond the longest schedule, " + LoggedLrs.MAX_STEP + " steps"));
            }
            checkLr(table, i, problems);
        }
        if (table.problems.isEmpty() && table.size() == 0) {
            problems.add(new CsvProblem(file, 0, "points", -1, "no data rows below the header"));
        }
        fail(problems);
        long[] steps = Arrays.stream(table.values[0]).mapToLong(v -> (long) v).toArray();
        return LoggedLrs.rebuild(steps, table.values[1]);
    }

    /** Whether the file's header names {@code column}. */
    public static boolean hasColumn(Path file, String column) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.findFirst().map(h -> header(h).contains(column)).orElse(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** An {@code X.lr.csv}: the LR of every step from 0, in order. */
    private static double[] everyStep(Path lrFile) {
        Table table = Table.read(lrFile, List.of("step", "lr"));
        List<CsvProblem> problems = new ArrayList<>(table.problems);
        for (int s = 0; s < table.size() && problems.isEmpty(); s++) {
            if (table.values[0][s] != s) {
                problems.add(table.problem(s, "steps", "step " + (long) table.values[0][s] + " where step " + s
                        + " was expected: the file lists every step from 0 in order"));
            }
            checkLr(table, s, problems);
        }
        if (table.problems.isEmpty() && table.size() == 0) {
            problems.add(new CsvProblem(lrFile, 0, "lrs", -1, "no data rows below the header"));
        }
        fail(problems);
        return table.values[1];
    }

    private static void checkLr(Table table, int i, List<CsvProblem> problems) {
        double lr = table.values[1][i];
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            problems.add(table.problem(i, "lrs", "lr " + lr + " is not a non-negative finite number"));
        }
    }

    private static void fail(List<CsvProblem> problems) {
        if (!problems.isEmpty()) {
            throw new CurveCsvException(problems);
        }
    }

    private static List<String> header(String line) {
        return Arrays.stream(line.split(",", -1)).map(String::trim)
                .map(h -> h.startsWith("\uFEFF") ? h.substring(1) : h).toList();
    }

    /** The numeric columns of a CSV file, each data row with its row number in the file. */
    private static final class Table {
        final Path file;
        final int[] rows;
        final double[][] values;
        final List<CsvProblem> problems;

        private Table(Path file, int[] rows, double[][] values, List<CsvProblem> problems) {
            this.file = file;
            this.rows = rows;
            this.values = values;
            this.problems = problems;
        }

        int size() {
            return rows.length;
        }

        CsvProblem problem(int i, String field, String message) {
            return new CsvProblem(file, rows[i], field, i, message);
        }

        static Table read(Path file, List<String> columns) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            List<CsvProblem> problems = new ArrayList<>();
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                problems.add(new CsvProblem(file, 1, "points", -1, "empty; a header row " + String.join(",", columns)
                        + " is needed"));
                return new Table(file, new int[0], new double[columns.size()][0], problems);
            }
            List<String> header = header(lines.get(0));
            int[] index = new int[columns.size()];
            for (int c = 0; c < columns.size(); c++) {
                index[c] = header.indexOf(columns.get(c));
                if (index[c] < 0) {
                    problems.add(new CsvProblem(file, 1, "points", -1, "the header " + String.join(",", header)
                            + " has no column '" + columns.get(c) + "' (expected " + String.join(",", columns) + ")"));
                }
            }
            if (!problems.isEmpty()) {
                return new Table(file, new int[0], new double[columns.size()][0], problems);
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
                    problems.add(new CsvProblem(file, row, "points", n, "has " + cells.length
                            + " columns, the header has " + header.size()));
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
                        problems.add(new CsvProblem(file, row, column.equals("loss") ? "losses" : column + "s", n,
                                column + " '" + cell + "' is not "
                                        + (column.equals("step") ? "a non-negative integer" : "a number")));
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
            return new Table(file, Arrays.copyOf(rows, n), trimmed, problems);
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
