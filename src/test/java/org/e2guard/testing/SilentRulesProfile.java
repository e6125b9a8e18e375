package org.e2guard.testing;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** A deployment with E1 (E2_SUPPRESSED) silent and M3 (VITD_CA_OVERDUE) off; every other rule active. */
public class SilentRulesProfile implements QuarkusTestProfile {
    public static final String SILENT = "E2_SUPPRESSED";
    public static final String OFF = "VITD_CA_OVERDUE";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("e2guard.rules.e1.mode", "silent", "e2guard.rules.m3.mode", "off");
    }
}
