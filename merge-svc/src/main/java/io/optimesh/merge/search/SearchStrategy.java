package io.optimesh.merge.search;

/** How candidates are proposed: Bayesian optimisation, or a baseline at the same budget. */
public enum SearchStrategy {
    GP_HEDGE, EXPECTED_IMPROVEMENT, PROBABILITY_OF_IMPROVEMENT, UPPER_CONFIDENCE_BOUND,
    /** The full grid that fits in the budget (every point of it in one dimension). */
    GRID,
    /** Independent uniform points. */
    RANDOM
}
