package org.e2guard.timeline;

/** Laboratory concepts the rules read, each with the canonical UCUM unit values are compared in. */
public enum LabConcept {
    ESTRADIOL("estradiol", "pg/mL", 1, "pmol/L", 3.671, 0),
    TESTOSTERONE_TOTAL("total testosterone", "ng/dL", 0, "nmol/L", 0.0347, 1),
    TESTOSTERONE_FREE("free testosterone", "pg/mL"),
    SHBG("SHBG", "nmol/L"),
    VITAMIN_D("25-OH vitamin D", "ng/mL", 1, "nmol/L", 2.496, 0),
    CALCIUM("calcium", "mg/dL", 1, "mmol/L", 0.2495, 2),
    PTH("PTH", "pg/mL"),
    P1NP("P1NP", "ng/mL"),
    CTX("CTX", "pg/mL"),
    BONE_ALP("bone alkaline phosphatase", "U/L"),
    HDL("HDL cholesterol", "mg/dL"),
    HEMATOCRIT("hematocrit", "%");

    private final String label;
    private final String canonicalUnit;
    private final int canonicalDecimals;
    private final String otherUnit;
    private final double otherPerCanonical;
    private final int otherDecimals;

    LabConcept(String label, String canonicalUnit) {
        this(label, canonicalUnit, 3, null, Double.NaN, 0);
    }

    /**
     * @param otherUnit the other unit laboratories report the concept in (SI or conventional), shown
     *                  beside the canonical one so a reader sees the value in the unit they think in
     * @param otherPerCanonical the factor from the canonical unit to the other one (RULES.md §3)
     */
    LabConcept(String label, String canonicalUnit, int canonicalDecimals, String otherUnit, double otherPerCanonical,
               int otherDecimals) {
        this.label = label;
        this.canonicalUnit = canonicalUnit;
        this.canonicalDecimals = canonicalDecimals;
        this.otherUnit = otherUnit;
        this.otherPerCanonical = otherPerCanonical;
        this.otherDecimals = otherDecimals;
    }

    /** Decimals a person writes a converted value in, e.g. 0 for pmol/L, 1 for pg/mL. */
    public int canonicalDecimals() {
        return canonicalDecimals;
    }

    /** The concept's other common unit, or null when laboratories use only the canonical one. */
    public String otherUnit() {
        return otherUnit;
    }

    public double otherPerCanonical() {
        return otherPerCanonical;
    }

    public int otherDecimals() {
        return otherDecimals;
    }

    public String label() {
        return label;
    }

    public String canonicalUnit() {
        return canonicalUnit;
    }
}
