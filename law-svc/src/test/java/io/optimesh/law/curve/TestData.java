package io.optimesh.law.curve;

/** Where the shared MPL paper curves are (system property {@code optimesh.mpl-curves} overrides). */
public final class TestData {

    public static final String MPL_CURVES = System.getProperty("optimesh.mpl-curves",
            "/work/shared/data/mpl-curves");

    private TestData() {
    }
}
