package io.optimesh.merge.search;

import java.util.List;

/** What a search minimises: the held-out loss of the merge with the given weights. */
@FunctionalInterface
public interface MergeObjective {

    /** Merges with {@code weights} and returns the merged model's held-out loss. */
    double loss(int candidate, List<Double> weights);
}
