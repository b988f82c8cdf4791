package io.optimesh.coordinator.search;

import static io.optimesh.coordinator.search.SearchSpaceFixtures.categorical;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.floatParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.intParam;
import static io.optimesh.coordinator.search.SearchSpaceFixtures.when;

import static org.assertj.core.api.Assertions.assertThat;

import io.optimesh.v1.SearchParameter;
import io.optimesh.v1.SearchSpace;

import org.junit.jupiter.api.Test;

import java.util.List;

class SearchSpaceValidatorTest {

    private static List<String> fields(SearchParameter... ps) {
        return SearchSpaceValidator.validate(
                        SearchSpace.newBuilder().addAllParameters(List.of(ps)).build(),
                        "spec.search_space")
                .stream()
                .map(FieldViolation::field)
                .toList();
    }

    @Test
    void anEmptySpaceIsRefused() {
        assertThat(fields()).containsExactly("spec.search_space.parameters");
    }

    @Test
    void aValidConditionalSpacePasses() {
        assertThat(
                        fields(
                                categorical("optimizer", "adamw", "sgd"),
                                when(floatParam("momentum", 0.8, 0.99, false), "optimizer", "sgd"),
                                floatParam("learning_rate", 1e-4, 1e-1, true),
                                intParam("batch_size", 8, 64, true)))
                .isEmpty();
    }

    @Test
    void namesMustBeWellFormedAndUnique() {
        assertThat(fields(floatParam("Learning-Rate", 0, 1, false)))
                .containsExactly("spec.search_space.parameters[0].name");
        assertThat(fields(floatParam("beta1", 0, 0.5, false), floatParam("beta1", 0.5, 0.9, false)))
                .containsExactly("spec.search_space.parameters[1].name");
    }

    @Test
    void rangesMustBeOrderedAndLogRangesPositive() {
        assertThat(fields(floatParam("beta1", 0.9, 0.9, false)))
                .containsExactly("spec.search_space.parameters[0].float_domain.min");
        assertThat(fields(floatParam("learning_rate", 0, 0.1, true)))
                .containsExactly("spec.search_space.parameters[0].float_domain.min");
        assertThat(fields(floatParam("beta1", 0, Double.NaN, false)))
                .containsExactly("spec.search_space.parameters[0].float_domain");
        assertThat(fields(intParam("batch_size", 64, 8, false)))
                .containsExactly("spec.search_space.parameters[0].int_domain.min");
        assertThat(fields(intParam("batch_size", 0, 8, true)))
                .containsExactly("spec.search_space.parameters[0].int_domain.min");
        assertThat(fields(intParam("batch_size", 8, 8, false))).isEmpty();
    }

    @Test
    void categoriesMustBeNonEmptyAndDistinct() {
        assertThat(fields(categorical("optimizer")))
                .containsExactly("spec.search_space.parameters[0].categorical_domain.values");
        assertThat(fields(categorical("optimizer", "sgd", "", "sgd")))
                .containsExactly(
                        "spec.search_space.parameters[0].categorical_domain.values[1]",
                        "spec.search_space.parameters[0].categorical_domain.values[2]");
    }

    @Test
    void aParameterWithoutDomainIsRefused() {
        assertThat(fields(SearchParameter.newBuilder().setName("beta1").build()))
                .containsExactly("spec.search_space.parameters[0]");
    }

    @Test
    void conditionsMustNameACategoricalParentAndItsValues() {
        assertThat(fields(when(floatParam("momentum", 0.8, 0.9, false), "optimiser", "sgd")))
                .containsExactly("spec.search_space.parameters[0].condition.parent");
        assertThat(
                        fields(
                                floatParam("learning_rate", 1e-4, 1e-1, true),
                                when(
                                        floatParam("momentum", 0.8, 0.9, false),
                                        "learning_rate",
                                        "0.01")))
                .containsExactly("spec.search_space.parameters[1].condition.parent");
        assertThat(
                        fields(
                                categorical("optimizer", "adamw", "sgd"),
                                when(
                                        floatParam("momentum", 0.8, 0.9, false),
                                        "optimizer",
                                        "sgd",
                                        "nesterov")))
                .containsExactly("spec.search_space.parameters[1].condition.values[1]");
    }

    @Test
    void conditionsMustNotFormACycle() {
        assertThat(
                        fields(
                                when(categorical("a", "x", "y"), "b", "x"),
                                when(categorical("b", "x", "y"), "a", "x")))
                .containsExactly(
                        "spec.search_space.parameters[0].condition.parent",
                        "spec.search_space.parameters[1].condition.parent");
        assertThat(fields(when(categorical("a", "x"), "a", "x")))
                .containsExactly("spec.search_space.parameters[0].condition.parent");
    }
}
