package io.optimesh.law.curve;

import io.optimesh.core.curves.CsvCurve;
import io.optimesh.core.curves.CsvProblem;
import io.optimesh.core.curves.CurveCsv;
import io.optimesh.core.curves.CurveCsvException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads loss curves from CSV files ({@code step,lr,loss}, with {@code X.lr.csv} beside {@code X.csv}
 * for the exact LR of every step) by core's {@link CurveCsv}, the rules the CLI reads files by, then
 * checks what a law needs of a curve ({@link LossCurve}). Every problem is a {@link CurveViolation}
 * naming the file and its row (header = row 1).
 */
public final class CurveCsvReader {

    private CurveCsvReader() {
    }

    /** Every curve {@code X.csv} in a directory (not its {@code X.lr.csv} companions), by name. */
    public static List<LossCurve> readDirectory(Path dir) {
        return CurveCsv.curveFiles(dir).stream().map(CurveCsvReader::read).toList();
    }

    /** One curve file, with its {@code .lr.csv} companion when present. */
    public static LossCurve read(Path csv) {
        String file = csv.getFileName().toString();
        CsvCurve curve;
        try {
            curve = CurveCsv.read(csv);
        } catch (CurveCsvException e) {
            String name = file.endsWith(CurveCsv.CURVE_SUFFIX)
                    ? file.substring(0, file.length() - CurveCsv.CURVE_SUFFIX.length()) : file;
            throw new CurveValidationException(e.problems().stream().map(p -> violation(name, p)).toList());
        }
        int n = curve.size();
        int[] steps = new int[n];
        for (int i = 0; i < n; i++) {
            // CurveCsv keeps steps within an LR list's length, which an int holds.
            steps[i] = (int) curve.steps()[i];
        }
        List<CurveViolation> violations = new ArrayList<>();
        for (CurveViolation v : LossCurve.validatePoints(curve.name(), steps, curve.losses())) {
            violations.add(v.at(file, v.index() >= 0 ? curve.rows()[v.index()] : 0));
        }
        if (!violations.isEmpty()) {
            throw new CurveValidationException(violations);
        }
        return LossCurve.of(curve.name(), steps, curve.losses(), curve.lrs());
    }

    private static CurveViolation violation(String name, CsvProblem problem) {
        return CurveViolation.of(name, problem.field(), problem.index(), problem.message())
                .at(problem.file().getFileName().toString(), problem.row());
    }
}
