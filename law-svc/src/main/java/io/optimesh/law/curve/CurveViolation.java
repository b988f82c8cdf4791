package io.optimesh.law.curve;

/**
 * One reason a loss curve is refused.
 *
 * @param curve the curve's name
 * @param field the offending field: {@code steps}, {@code losses}, {@code lrs} or {@code points}
 * @param index 0-based element of {@code field}, or -1 when the whole field is at fault
 * @param description what is wrong, in words
 * @param source the file the value came from, or {@code null} when the curve was built in memory
 * @param row the row of {@code source} (header = row 1, as in an editor or spreadsheet); 0 if none
 */
public record CurveViolation(String curve, String field, int index, String description, String source, int row) {

    public static CurveViolation of(String curve, String field, int index, String description) {
        return new CurveViolation(curve, field, index, description, null, 0);
    }

    public CurveViolation at(String file, int fileRow) {
        return new CurveViolation(curve, field, index, description, file, fileRow);
    }

    @Override
    public String toString() {
        if (source != null) {
            return row > 0 ? source + " row " + row + ": " + description : source + ": " + description;
        }
        String where = index >= 0 ? field + "[" + index + "]" : field;
        return "curve '" + curve + "' " + where + ": " + description;
    }
}
