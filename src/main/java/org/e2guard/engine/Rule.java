package org.e2guard.engine;

/** The rules of RULES.md version 1, by their short id and the code the service emits. */
public enum Rule {
    E1("E2_SUPPRESSED", Family.ESTRADIOL, "Estradiol suppressed on an aromatase inhibitor"),
    E2("E2_BORDERLINE", Family.ESTRADIOL, "Estradiol borderline-low on an aromatase inhibitor"),
    E3("E2_PERSISTENTLY_SUPPRESSED", Family.ESTRADIOL, "Estradiol persistently suppressed on an aromatase inhibitor"),
    E4("E2_NOT_MONITORED", Family.ESTRADIOL, "Estradiol not monitored on an aromatase inhibitor"),
    B1("BMD_OSTEOPOROSIS", Family.BONE, "Bone density in the osteoporosis range on an aromatase inhibitor"),
    B2("BMD_OSTEOPENIA", Family.BONE, "Bone density in the osteopenia range on an aromatase inhibitor"),
    B3("BMD_DECLINE", Family.BONE, "Bone density declining on an aromatase inhibitor"),
    M1("DXA_NO_BASELINE", Family.MONITORING, "No baseline DXA on an aromatase inhibitor"),
    M2("DXA_OVERDUE", Family.MONITORING, "DXA overdue on an aromatase inhibitor"),
    M3("VITD_CA_OVERDUE", Family.MONITORING, "25-OH vitamin D or calcium overdue on an aromatase inhibitor"),
    M4("VITD_LOW", Family.MONITORING, "25-OH vitamin D low on an aromatase inhibitor"),
    D1("AI_DOSE_ABOVE_TYPICAL", Family.DOSE, "Anastrozole dose above the typical TRT range"),
    O1("AI_ORDER_REVIEW", Family.ORDER, "Aromatase inhibitor order needs review");

    /** Which part of RULES.md §4 a rule belongs to; drives the FHIR issue type and flag category. */
    public enum Family { ESTRADIOL, BONE, MONITORING, DOSE, ORDER }

    private final String code;
    private final Family family;
    private final String title;

    Rule(String code, Family family, String title) {
        this.code = code;
        this.family = family;
        this.title = title;
    }

    public String id() {
        return name();
    }

    public String code() {
        return code;
    }

    public Family family() {
        return family;
    }

    public String title() {
        return title;
    }

    public static Rule byCode(String code) {
        for (Rule r : values()) {
            if (r.code.equals(code) || r.name().equals(code)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown rule " + code);
    }
}
