package org.e2guard.timeline;

/** Laboratory concepts the rules read, each with the canonical UCUM unit values are compared in. */
public enum LabConcept {
    ESTRADIOL("estradiol", "pg/mL"),
    TESTOSTERONE_TOTAL("total testosterone", "ng/dL"),
    TESTOSTERONE_FREE("free testosterone", "pg/mL"),
    SHBG("SHBG", "nmol/L"),
    VITAMIN_D("25-OH vitamin D", "ng/mL"),
    CALCIUM("calcium", "mg/dL"),
    PTH("PTH", "pg/mL"),
    P1NP("P1NP", "ng/mL"),
    CTX("CTX", "pg/mL"),
    BONE_ALP("bone alkaline phosphatase", "U/L"),
    HDL("HDL cholesterol", "mg/dL"),
    HEMATOCRIT("hematocrit", "%");

    private final String label;
    private final String canonicalUnit;

    LabConcept(String label, String canonicalUnit) {
        this.label = label;
        this.canonicalUnit = canonicalUnit;
    }

    public String label() {
        return label;
    }

    public String canonicalUnit() {
        return canonicalUnit;
    }
}
