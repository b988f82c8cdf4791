package io.optimesh.cli.law;

import io.optimesh.cli.MeshException;
import io.optimesh.core.curves.CsvCurve;
import io.optimesh.core.curves.CsvProblem;
import io.optimesh.core.curves.CurveCsv;
import io.optimesh.core.curves.CurveCsvException;
import io.optimesh.v1.CurvePoint;
import io.optimesh.v1.ExplicitFamily;
import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.Schedule;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Learning curves for law-svc from CSV files, read by core's {@link CurveCsv} (the rules law-svc reads
 * files by), as {@link LabeledCurve}s whose schedule is an explicit per-step LR list. A file's problems
 * become one {@link MeshException} listing the first of them, each naming the file and its row; the
 * service then checks what a file cannot show (too few points for a law, ...).
 */
public final class CurveFiles {

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
        return checked(() -> CurveCsv.curveFiles(dir)).stream().map(CurveFiles::read).toList();
    }

    static boolean isCurveFile(String fileName) {
        return CurveCsv.isCurveFile(fileName);
    }

    static boolean hasColumn(Path file, String column) {
        return checked(() -> CurveCsv.hasColumn(file, column));
    }

    /** One curve file, with its {@code X.lr.csv} companion when there is one. */
    public static LabeledCurve read(Path file) {
        CsvCurve curve = checked(() -> CurveCsv.read(file));
        LabeledCurve.Builder out = LabeledCurve.newBuilder().setName(curve.name()).setSchedule(explicit(curve.lrs()));
        for (int i = 0; i < curve.size(); i++) {
            out.addPoints(CurvePoint.newBuilder().setStep(curve.steps()[i]).setLearningRate(curve.loggedLrs()[i])
                    .setLoss(curve.losses()[i]));
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
        return explicit(checked(() -> CurveCsv.readSchedule(file)));
    }

    private static <T> T checked(Supplier<T> read) {
        try {
            return read.get();
        } catch (CurveCsvException e) {
            List<String> shown = new ArrayList<>(e.problems().stream().limit(LISTED).map(CsvProblem::toString).toList());
            if (e.problems().size() > LISTED) {
                shown.add("and " + (e.problems().size() - LISTED) + " more problems");
            }
            throw new MeshException("bad curve input:\n  " + String.join("\n  ", shown));
        } catch (UncheckedIOException e) {
            throw new MeshException(e.getMessage() + ": " + e.getCause().getMessage());
        } catch (IllegalArgumentException e) {
            throw new MeshException(e.getMessage());
        }
    }
}
