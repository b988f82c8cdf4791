package io.optimesh.coordinator.search;

import io.optimesh.v1.CategoricalDomain;
import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.IntDomain;
import io.optimesh.v1.ParameterCondition;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The structure of a search space, whatever its parameters mean: names, domains that can be
 * sampled, and conditions that refer to categorical parents and form no cycle.
 */
public final class SearchSpaceValidator {

    private static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]*$");

    /** Int bounds stay exact as doubles, so int values can feed double hyper-parameters. */
    private static final long MAX_INT_MAGNITUDE = 1L << 53;

    private SearchSpaceValidator() {}

    /**
     * @param path the space's field path in the request, e.g. {@code spec.search_space}
     */
    public static List<FieldViolation> validate(SearchSpace space, String path) {
        List<FieldViolation> violations = new ArrayList<>();
        if (space.getParametersCount() == 0) {
            violations.add(
                    new FieldViolation(
                            path + ".parameters", "add at least one parameter to search over"));
            return violations;
        }
        Map<String, SearchParameter> byName = new HashMap<>();
        for (int i = 0; i < space.getParametersCount(); i++) {
            SearchParameter p = space.getParameters(i);
            String at = parameterPath(path, i);
            if (!NAME.matcher(p.getName()).matches() || p.getName().length() > 64) {
                violations.add(
                        new FieldViolation(
                                at + ".name",
                                "must be 1 to 64 characters matching " + NAME.pattern()));
            } else if (byName.putIfAbsent(p.getName(), p) != null) {
                violations.add(
                        new FieldViolation(
                                at + ".name", "\"" + p.getName() + "\" is declared twice"));
            }
            checkDomain(p, at, violations);
        }
        for (int i = 0; i < space.getParametersCount(); i++) {
            SearchParameter p = space.getParameters(i);
            if (p.hasCondition()) {
                checkCondition(p, byName, parameterPath(path, i) + ".condition", violations);
            }
        }
        return violations;
    }

    public static String parameterPath(String spacePath, int index) {
        return spacePath + ".parameters[" + index + "]";
    }

    private static void checkDomain(SearchParameter p, String at, List<FieldViolation> violations) {
        switch (p.getDomainCase()) {
            case FLOAT_DOMAIN -> {
                FloatDomain d = p.getFloatDomain();
                String f = at + ".float_domain";
                if (!Double.isFinite(d.getMin()) || !Double.isFinite(d.getMax())) {
                    violations.add(new FieldViolation(f, "min and max must be finite"));
                } else if (!(d.getMin() < d.getMax())) {
                    violations.add(
                            new FieldViolation(
                                    f + ".min",
                                    "min " + d.getMin() + " must be below max " + d.getMax()));
                } else if (d.getLog() && d.getMin() <= 0) {
                    violations.add(
                            new FieldViolation(
                                    f + ".min", "a log-scaled range must be positive: min > 0"));
                }
            }
            case INT_DOMAIN -> {
                IntDomain d = p.getIntDomain();
                String f = at + ".int_domain";
                if (Math.abs(d.getMin()) > MAX_INT_MAGNITUDE
                        || Math.abs(d.getMax()) > MAX_INT_MAGNITUDE) {
                    violations.add(new FieldViolation(f, "bounds must lie within +-2^53"));
                } else if (d.getMin() > d.getMax()) {
                    violations.add(
                            new FieldViolation(
                                    f + ".min",
                                    "min " + d.getMin() + " must not exceed max " + d.getMax()));
                } else if (d.getLog() && d.getMin() <= 0) {
                    violations.add(
                            new FieldViolation(
                                    f + ".min", "a log-scaled range must be positive: min > 0"));
                }
            }
            case CATEGORICAL_DOMAIN -> {
                CategoricalDomain d = p.getCategoricalDomain();
                String f = at + ".categorical_domain.values";
                if (d.getValuesCount() == 0) {
                    violations.add(new FieldViolation(f, "list at least one value"));
                }
                Set<String> seen = new HashSet<>();
                for (int j = 0; j < d.getValuesCount(); j++) {
                    String v = d.getValues(j);
                    if (v.isEmpty()) {
                        violations.add(new FieldViolation(f + "[" + j + "]", "must not be empty"));
                    } else if (!seen.add(v)) {
                        violations.add(
                                new FieldViolation(
                                        f + "[" + j + "]", "\"" + v + "\" is listed twice"));
                    }
                }
            }
            case DOMAIN_NOT_SET ->
                    violations.add(
                            new FieldViolation(
                                    at, "set one of float_domain, int_domain, categorical_domain"));
        }
    }

    private static void checkCondition(
            SearchParameter p,
            Map<String, SearchParameter> byName,
            String at,
            List<FieldViolation> violations) {
        ParameterCondition c = p.getCondition();
        SearchParameter parent = byName.get(c.getParent());
        if (parent == null) {
            violations.add(
                    new FieldViolation(
                            at + ".parent",
                            "\"" + c.getParent() + "\" is not a parameter of this space"));
            return;
        }
        if (parent.getName().equals(p.getName()) || formsCycle(p, byName)) {
            violations.add(new FieldViolation(at + ".parent", "conditions must not form a cycle"));
            return;
        }
        if (!parent.hasCategoricalDomain()) {
            violations.add(
                    new FieldViolation(
                            at + ".parent",
                            "\"" + c.getParent() + "\" must be categorical to condition on it"));
            return;
        }
        if (c.getValuesCount() == 0) {
            violations.add(
                    new FieldViolation(at + ".values", "list at least one value of the parent"));
        }
        List<String> parentValues = parent.getCategoricalDomain().getValuesList();
        for (int j = 0; j < c.getValuesCount(); j++) {
            if (!parentValues.contains(c.getValues(j))) {
                violations.add(
                        new FieldViolation(
                                at + ".values[" + j + "]",
                                "\""
                                        + c.getValues(j)
                                        + "\" is not a value of "
                                        + parent.getName()));
            }
        }
    }

    private static boolean formsCycle(SearchParameter start, Map<String, SearchParameter> byName) {
        Set<String> seen = new HashSet<>();
        SearchParameter p = start;
        while (p != null && p.hasCondition()) {
            if (!seen.add(p.getName())) {
                return true;
            }
            p = byName.get(p.getCondition().getParent());
        }
        return false;
    }
}
