package io.optimesh.cli.law;

import io.optimesh.v1.LabeledCurve;
import io.optimesh.v1.Schedule;
import java.nio.file.Path;

/**
 * A schedule named on the command line: {@code .json} holds an optimesh.v1.Schedule in protobuf JSON;
 * {@code X.lr.csv} or any other {@code step,lr} CSV lists LRs (every step from 0 is exact, gaps are
 * interpolated); a curve file {@code X.csv} with a loss column brings its schedule and its logged
 * points, against which a prediction can be compared.
 */
record ScheduleFiles(Path file, Schedule schedule, LabeledCurve curve) {

    static ScheduleFiles read(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".json")) {
            return new ScheduleFiles(file, LawOutput.readSchedule(file), null);
        }
        if (CurveFiles.isCurveFile(name) && CurveFiles.hasColumn(file, "loss")) {
            LabeledCurve curve = CurveFiles.read(file);
            return new ScheduleFiles(file, curve.getSchedule(), curve);
        }
        return new ScheduleFiles(file, CurveFiles.readSchedule(file), null);
    }
}
