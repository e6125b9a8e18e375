package org.e2guard.cds.service;

/** The hooks e2guard answers (HL7 CDS Hooks Library, hook version 1.0). */
public enum Hook {
    PATIENT_VIEW("patient-view"),
    ORDER_SELECT("order-select"),
    ORDER_SIGN("order-sign");

    private final String code;

    Hook(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public boolean ordering() {
        return this != PATIENT_VIEW;
    }
}
