package io.optimesh.coordinator.study;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Resource names: {@code studies/{study}} and {@code studies/{study}/trials/{trial}}. */
public final class StudyNames {

    /** What a study id may look like (the contract's pattern). */
    public static final Pattern STUDY_ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private static final Pattern STUDY_NAME =
            Pattern.compile("^studies/([a-z0-9][a-z0-9-]{0,62})$");
    private static final Pattern TRIAL_NAME =
            Pattern.compile("^(studies/[a-z0-9][a-z0-9-]{0,62})/trials/([0-9]+)$");

    private StudyNames() {}

    public static String studyName(String studyId) {
        return "studies/" + studyId;
    }

    public static String trialName(String studyName, int number) {
        return studyName + "/trials/" + number;
    }

    /** The id in a study name, or empty when it is not one. */
    public static Optional<String> parseStudyName(String name) {
        Matcher m = STUDY_NAME.matcher(name);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    public static String studyId(String studyName) {
        return parseStudyName(studyName)
                .orElseThrow(() -> new IllegalArgumentException("not a study name: " + studyName));
    }

    /** The study a trial belongs to. */
    public static String studyOfTrial(String trialName) {
        Matcher m = TRIAL_NAME.matcher(trialName);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a trial name: " + trialName);
        }
        return m.group(1);
    }
}
