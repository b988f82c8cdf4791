package io.optimesh.coordinator.search;

import io.optimesh.v1.ParameterValue;
import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Conditional structure of a search space, shared by every sampler. */
public final class SearchSpaces {

    private SearchSpaces() {}

    /**
     * The parameters ordered so that every parent comes before the parameters conditioned on it,
     * otherwise in declaration order. The space must be valid ({@link SearchSpaceValidator}).
     */
    public static List<SearchParameter> ordered(SearchSpace space) {
        Map<String, SearchParameter> byName = new HashMap<>();
        for (SearchParameter p : space.getParametersList()) {
            byName.put(p.getName(), p);
        }
        List<SearchParameter> ordered = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        for (SearchParameter p : space.getParametersList()) {
            place(p, byName, placed, ordered, new HashSet<>());
        }
        return ordered;
    }

    private static void place(
            SearchParameter p,
            Map<String, SearchParameter> byName,
            Set<String> placed,
            List<SearchParameter> ordered,
            Set<String> visiting) {
        if (placed.contains(p.getName())) {
            return;
        }
        if (!visiting.add(p.getName())) {
            throw new IllegalArgumentException("conditions form a cycle through " + p.getName());
        }
        if (p.hasCondition()) {
            SearchParameter parent = byName.get(p.getCondition().getParent());
            if (parent == null) {
                throw new IllegalArgumentException(
                        "unknown parent " + p.getCondition().getParent());
            }
            place(parent, byName, placed, ordered, visiting);
        }
        placed.add(p.getName());
        ordered.add(p);
    }

    /**
     * Whether a parameter takes part in a trial whose parents have the given values: unconditional
     * ones always do; a conditional one only when its parent is active and took one of the listed
     * values.
     */
    public static boolean active(SearchParameter p, Map<String, ParameterValue> chosen) {
        if (!p.hasCondition()) {
            return true;
        }
        ParameterValue parent = chosen.get(p.getCondition().getParent());
        return parent != null
                && parent.getKindCase() == ParameterValue.KindCase.CATEGORICAL_VALUE
                && p.getCondition().getValuesList().contains(parent.getCategoricalValue());
    }
}
