package io.optimesh.core.curves;

import java.nio.file.Path;

/**
 * A loss curve as read from {@code X.csv}: the logged points, the file row of each, and the LR of every
 * step from 0 to the last logged one or beyond (exactly from {@code X.lr.csv} when it sits beside the
 * curve, otherwise {@linkplain LoggedLrs#rebuild rebuilt} from the logged LRs).
 *
 * @param file the curve file
 * @param name the curve's name: the file's name without {@code .csv}
 * @param steps the logged steps, strictly increasing
 * @param loggedLrs the LR logged with each point
 * @param losses the loss logged at each step, positive
 * @param rows the file row of each point (the header is row 1)
 * @param lrs the LR of every step from 0
 * @param lrFile the {@code X.lr.csv} that gave {@code lrs}, or {@code null} when they were rebuilt
 */
public record CsvCurve(Path file, String name, long[] steps, double[] loggedLrs, double[] losses, int[] rows,
        double[] lrs, Path lrFile) {

    public int size() {
        return steps.length;
    }
}
