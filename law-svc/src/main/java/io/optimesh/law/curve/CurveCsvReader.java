package io.optimesh.law.curve;

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
 * Reads loss curves from CSV files with the columns {@code step,lr,loss} (a header row naming them,
 * in any order; other columns are ignored).
 *
 * <p>Where {@code X.lr.csv} ({@code step,lr} for every step from 0) sits beside {@code X.csv} it gives
 * the exact per-step LR sequence, and every logged LR must agree with it; otherwise the sequence is
 * rebuilt from the logged LRs by {@link LrSequences#fromLogged}. A curve is named after its file,
 * {@code X}. Every problem found is reported at once, naming the file and its row (header = row 1).
 */
public final class CurveCsvReader {

    static final String CURVE_SUFFIX = ".csv";
    static final String LR_SUFFIX = ".lr.csv";
    /** The LR files are written to 8 significant digits. */
    private static final double LR_AGREEMENT = 1e-6;

    private CurveCsvReader() {
    }

    /** Every curve {@code X.csv} in a directory (not its {@code X.lr.csv} companions), by name. */
    public static List<LossCurve> readDirectory(Path dir) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> isCurveFile(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no curve files (*.csv with step,lr,loss) in " + dir);
        }
        return files.stream().map(CurveCsvReader::read).toList();
    }

    static boolean isCurveFile(String fileName) {
        return fileName.endsWith(CURVE_SUFFIX) && !fileName.endsWith(LR_SUFFIX);
    }

    /** One curve file, with its {@code .lr.csv} companion when present. */
    public static LossCurve read(Path csv) {
        String file = csv.getFileName().toString();
        if (!isCurveFile(file)) {
            throw new IllegalArgumentException(file + ": a curve file is named X.csv (X.lr.csv holds LRs only)");
        }
        String name = file.substring(0, file.length() - CURVE_SUFFIX.length());
        Table curve = Table.parse(csv, List.of("step", "lr", "loss"));
        Path lrFile = csv.resolveSibling(name + LR_SUFFIX);
        Table lrTable = Files.exists(lrFile) ? Table.parse(lrFile, List.of("step", "lr")) : null;

        List<CurveViolation> violations = new ArrayList<>(curve.violations);
        if (lrTable != null) {
            violations.addAll(lrTable.violations);
        }
        if (!violations.isEmpty()) {
            throw new CurveValidationException(violations);
        }

        int n = curve.rows.length;
        int[] steps = new int[n];
        double[] loggedLrs = new double[n];
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = (int) curve.values[0][i];
            loggedLrs[i] = curve.values[1][i];
            losses[i] = curve.values[2][i];
        }
        for (CurveViolation v : LossCurve.validatePoints(name, steps, losses)) {
            violations.add(v.at(file, v.index() >= 0 ? curve.rows[v.index()] : 0));
        }
        for (int i = 0; i < n; i++) {
            double lr = loggedLrs[i];
            if (!Double.isFinite(lr) || lr < 0) {
                violations.add(CurveViolation.of(name, "lrs", -1,
                        "learning rate " + lr + " is not a non-negative finite number").at(file, curve.rows[i]));
            }
        }
        if (!violations.isEmpty()) {
            throw new CurveValidationException(violations);
        }

        double[] lrs = lrTable == null ? LrSequences.fromLogged(steps, loggedLrs) : lrSequence(name, lrTable, violations);
        if (lrTable != null) {
            String lrName = lrFile.getFileName().toString();
            for (CurveViolation v : LossCurve.validateLrs(name, lrs, steps[n - 1])) {
                violations.add(v.at(lrName, v.index() >= 0 ? lrTable.rows[v.index()] : 0));
            }
            for (int i = 0; i < n && violations.isEmpty(); i++) {
                double expected = lrs[steps[i]];
                if (Math.abs(loggedLrs[i] - expected) > LR_AGREEMENT * Math.max(Math.abs(expected), Math.abs(loggedLrs[i]))) {
                    violations.add(CurveViolation.of(name, "lrs", steps[i], "logged learning rate " + loggedLrs[i]
                            + " at step " + steps[i] + " disagrees with " + expected + " in " + lrName)
                            .at(file, curve.rows[i]));
                }
            }
        }
        if (!violations.isEmpty()) {
            throw new CurveValidationException(violations);
        }
        return LossCurve.of(name, steps, losses, lrs);
    }

    private static double[] lrSequence(String name, Table lrTable, List<CurveViolation> violations) {
        String lrName = lrTable.file;
        int n = lrTable.rows.length;
        double[] lrs = new double[n];
        for (int s = 0; s < n; s++) {
            if (lrTable.values[0][s] != s) {
                violations.add(CurveViolation.of(name, "lrs", s, "step " + (long) lrTable.values[0][s]
                        + " where step " + s + " was expected: the file must list every step from 0 in order")
                        .at(lrName, lrTable.rows[s]));
                break;
            }
            lrs[s] = lrTable.values[1][s];
        }
        return lrs;
    }

    /** The numeric columns of a CSV file, with the file row of every data row. */
    private static final class Table {
        final String file;
        final int[] rows;
        final double[][] values;
        final List<CurveViolation> violations = new ArrayList<>();

        private Table(String file, int[] rows, double[][] values) {
            this.file = file;
            this.rows = rows;
            this.values = values;
        }

        static Table parse(Path path, List<String> columns) {
            String file = path.getFileName().toString();
            String name = file.endsWith(LR_SUFFIX) ? file.substring(0, file.length() - LR_SUFFIX.length())
                    : file.substring(0, file.length() - CURVE_SUFFIX.length());
            List<String> lines;
            try {
                lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
            List<CurveViolation> problems = new ArrayList<>();
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                problems.add(CurveViolation.of(name, "points", -1, "is empty: a header row "
                        + String.join(",", columns) + " is needed").at(file, 1));
                return failed(file, columns.size(), problems);
            }
            List<String> header = Arrays.stream(lines.get(0).split(",", -1)).map(String::trim)
                    .map(h -> h.startsWith("\uFEFF") ? h.substring(1) : h).toList();
            int[] index = new int[columns.size()];
            for (int c = 0; c < columns.size(); c++) {
                index[c] = header.indexOf(columns.get(c));
                if (index[c] < 0) {
                    problems.add(CurveViolation.of(name, "points", -1, "the header " + String.join(",", header)
                            + " has no column '" + columns.get(c) + "' (expected " + String.join(",", columns) + ")")
                            .at(file, 1));
                }
            }
            if (!problems.isEmpty()) {
                return failed(file, columns.size(), problems);
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
                    problems.add(CurveViolation.of(name, "points", n, "has " + cells.length + " columns, the header has "
                            + header.size()).at(file, row));
                    continue;
                }
                boolean ok = true;
                for (int c = 0; c < columns.size(); c++) {
                    String cell = cells[index[c]].trim();
                    String column = columns.get(c);
                    try {
                        values[c][n] = column.equals("step") ? Integer.parseInt(cell) : Double.parseDouble(cell);
                    } catch (NumberFormatException e) {
                        ok = false;
                        problems.add(CurveViolation.of(name, column.equals("loss") ? "losses" : column + "s", n,
                                column + " '" + cell + "' is not " + (column.equals("step") ? "an integer" : "a number"))
                                .at(file, row));
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
            Table table = new Table(file, Arrays.copyOf(rows, n), trimmed);
            table.violations.addAll(problems);
            return table;
        }

        private static Table failed(String file, int columns, List<CurveViolation> problems) {
            Table table = new Table(file, new int[0], new double[columns][0]);
            table.violations.addAll(problems);
            return table;
        }
    }
}
