package io.optimesh.law.curve;

import java.util.List;
import java.util.stream.Collectors;

/** A curve, or the file it came from, was refused; every reason is listed. */
public final class CurveValidationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;
    private static final int LISTED = 10;

    private final transient List<CurveViolation> violations;

    public CurveValidationException(List<CurveViolation> violations) {
        super(render(violations));
        this.violations = List.copyOf(violations);
    }

    public List<CurveViolation> violations() {
        return violations;
    }

    private static String render(List<CurveViolation> violations) {
        String shown = violations.stream().limit(LISTED).map(CurveViolation::toString)
                .collect(Collectors.joining("; "));
        int more = violations.size() - LISTED;
        return more > 0 ? shown + "; and " + more + " more" : shown;
    }
}
