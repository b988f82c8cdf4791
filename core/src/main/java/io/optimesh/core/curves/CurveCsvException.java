package io.optimesh.core.curves;

import java.util.List;

/** A curve or schedule file refused, with every problem found in it. */
public final class CurveCsvException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient List<CsvProblem> problems;

    public CurveCsvException(List<CsvProblem> problems) {
        super(String.join("; ", problems.stream().map(CsvProblem::toString).toList()));
        this.problems = List.copyOf(problems);
    }

    public List<CsvProblem> problems() {
        return problems;
    }
}
