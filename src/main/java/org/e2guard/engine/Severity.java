package org.e2guard.engine;

/** Finding severity; the order of the constants is the clinical order, most severe first. */
public enum Severity {
    HIGH("high"),
    MODERATE("moderate"),
    LOW("low");

    private final String code;

    Severity(String code) {
        this.code = code;
    }

    /** The FHIR {@code DetectedIssue.severity} code. */
    public String code() {
        return code;
    }

    public boolean isMoreSevereThan(Severity other) {
        return ordinal() < other.ordinal();
    }

    public static Severity mostSevere(Severity a, Severity b) {
        return a.isMoreSevereThan(b) ? a : b;
    }
}
