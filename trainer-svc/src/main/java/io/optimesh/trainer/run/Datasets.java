package io.optimesh.trainer.run;

import io.optimesh.trainer.data.Corpus;
import io.optimesh.v1.DatasetSpec;
import java.nio.file.Path;
import java.util.List;

/** Loads the corpus a {@link DatasetSpec} names: the built-in Europarl sample or text files. */
final class Datasets {

    /** A loaded corpus and the name evaluations report it under. */
    record Dataset(String name, Corpus corpus) {

        String validationName() {
            return name + ":validation";
        }
    }

    private Datasets() {}

    /**
     * The corpus of {@code spec} (Europarl when unset), checked to hold at least one window of
     * {@code window} tokens in both splits; problems are added to {@code violations} under
     * {@code field} (e.g. {@code spec.dataset}) and null returned.
     */
    static Dataset load(DatasetSpec spec, String field, int window, List<Violation> violations) {
        Dataset dataset;
        if (spec.getSourceCase() == DatasetSpec.SourceCase.PATH) {
            String path = spec.getPath();
            try {
                dataset = new Dataset(path, Corpus.fromPaths(List.of(Path.of(path))));
            } catch (IllegalArgumentException e) {
                violations.add(new Violation(field + ".path", e.getMessage()));
                return null;
            }
        } else {
            dataset = new Dataset("europarl", Corpus.europarl());
        }
        String where = spec.getSourceCase() == DatasetSpec.SourceCase.PATH ? field + ".path" : field;
        if (dataset.corpus().trainTokens() < window) {
            violations.add(new Violation(where, "the training text holds " + dataset.corpus().trainTokens()
                    + " bytes, fewer than one window of " + window));
            return null;
        }
        if (dataset.corpus().validationTokens() < window) {
            violations.add(new Violation(where, "the validation split (about one line in "
                    + Corpus.VALIDATION_MODULUS + ", chosen by content) holds " + dataset.corpus().validationTokens()
                    + " bytes, fewer than one window of " + window + ": add more lines"));
            return null;
        }
        return dataset;
    }
}
