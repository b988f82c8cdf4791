package io.optimesh.core.curves;

import java.nio.file.Path;

/**
 * One problem found in a curve or schedule file.
 *
 * @param file the file, as it was given
 * @param row its row (the header is row 1, as in an editor or spreadsheet); 0 when the whole file is at fault
 * @param field what is wrong: {@code steps}, {@code lrs}, {@code losses} or {@code points} (the rows as a whole)
 * @param index the 0-based data row (point) at fault, or -1 when none is
 * @param message what is wrong, in words
 */
public record CsvProblem(Path file, int row, String field, int index, String message) {

    @Override
    public String toString() {
        return row > 0 ? file + " row " + row + ": " + message : file + ": " + message;
    }
}
