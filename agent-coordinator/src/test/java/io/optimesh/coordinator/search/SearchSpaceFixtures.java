package io.optimesh.coordinator.search;

import io.optimesh.v1.CategoricalDomain;
import io.optimesh.v1.FloatDomain;
import io.optimesh.v1.IntDomain;
import io.optimesh.v1.ParameterCondition;
import io.optimesh.v1.SearchParameter;

import java.util.List;

/** Builders for search parameters, to keep the tests readable. */
final class SearchSpaceFixtures {

    private SearchSpaceFixtures() {}

    static SearchParameter floatParam(String name, double min, double max, boolean log) {
        return SearchParameter.newBuilder()
                .setName(name)
                .setFloatDomain(FloatDomain.newBuilder().setMin(min).setMax(max).setLog(log))
                .build();
    }

    static SearchParameter intParam(String name, long min, long max, boolean log) {
        return SearchParameter.newBuilder()
                .setName(name)
                .setIntDomain(IntDomain.newBuilder().setMin(min).setMax(max).setLog(log))
                .build();
    }

    static SearchParameter categorical(String name, String... values) {
        return SearchParameter.newBuilder()
                .setName(name)
                .setCategoricalDomain(CategoricalDomain.newBuilder().addAllValues(List.of(values)))
                .build();
    }

    static SearchParameter when(SearchParameter p, String parent, String... values) {
        return p.toBuilder()
                .setCondition(
                        ParameterCondition.newBuilder()
                                .setParent(parent)
                                .addAllValues(List.of(values)))
                .build();
    }
}
