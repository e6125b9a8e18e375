package org.e2guard.mapping.output;

/** e2guard's canonical URLs: every code system, extension and identifier system it publishes. */
public final class Canonical {
    public static final String BASE = "https://e2guard.org/fhir";
    public static final String RULE_SYSTEM = BASE + "/CodeSystem/rule";
    public static final String ACTION_SYSTEM = BASE + "/CodeSystem/recommended-action";
    public static final String FLAG_SYSTEM = BASE + "/CodeSystem/flag";
    /** meta.tag codes of returned findings ({@code silent}). */
    public static final String FINDING_TAG_SYSTEM = BASE + "/CodeSystem/finding-tag";
    public static final String DETECTED_ISSUE_ID_SYSTEM = BASE + "/sid/detected-issue";
    public static final String FLAG_ID_SYSTEM = BASE + "/sid/flag";
    public static final String DEVICE_ID_SYSTEM = BASE + "/sid/device";

    public static final String EXT_RULESET_VERSION = BASE + "/StructureDefinition/ruleset-version";
    public static final String EXT_THRESHOLD = BASE + "/StructureDefinition/threshold";
    public static final String EXT_WINDOW = BASE + "/StructureDefinition/evaluation-window";
    public static final String EXT_ACTION = BASE + "/StructureDefinition/recommended-action";
    public static final String EXT_SOURCE = BASE + "/StructureDefinition/source-citation";
    /** The standard R4 extension that links a Flag to the DetectedIssues behind it. */
    public static final String EXT_FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail";

    public static final String PROFILE_DETECTED_ISSUE = BASE + "/StructureDefinition/e2guard-detectedissue";
    public static final String PROFILE_FLAG = BASE + "/StructureDefinition/e2guard-flag";
    public static final String PROFILE_DEVICE = BASE + "/StructureDefinition/e2guard-device";

    public static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public static final String FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category";
    public static final String SNOMED = "http://snomed.info/sct";

    /** Where each rule is documented for clinicians (DetectedIssue.reference, CDS card links). */
    public static String ruleDocumentation(String ruleCode) {
        return BASE + "/CodeSystem/rule#" + ruleCode;
    }

    private Canonical() {
    }
}
