package org.e2guard.mapping.output;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import org.e2guard.engine.Action;
import org.e2guard.engine.Engine;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.RuleModes;
import org.e2guard.engine.Source;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Device;

import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * Findings as the FHIR resources e2guard publishes: a DetectedIssue per finding, one Flag per
 * patient with active findings, and the Device that authors them. Identifiers are deterministic
 * per patient and rule, so that writing the same finding twice updates instead of duplicating.
 */
public final class FindingResources {
    public static final String DEVICE_ID = "e2guard";
    public static final String DEVICE_REF = "Device/" + DEVICE_ID;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    /** The meta.tag code of a finding whose rule is silent in this deployment. */
    public static final String TAG_SILENT = "silent";

    private final String softwareVersion;
    private final RuleModes modes;

    public FindingResources(String softwareVersion) {
        this(softwareVersion, RuleModes.ALL_ACTIVE);
    }

    /** @param modes the deployment's rule modes: a silent rule's DetectedIssue is tagged {@value #TAG_SILENT} */
    public FindingResources(String softwareVersion, RuleModes modes) {
        this.softwareVersion = softwareVersion;
        this.modes = modes;
    }

    /** Whether the finding's rule is silent in this deployment (returned tagged, never shown or written). */
    public boolean silent(Finding f) {
        return modes.silent(f);
    }

    /** Deterministic identifier value for a patient's finding of a rule. */
    public static String issueKey(String patientRef, Rule rule) {
        return uuid(patientRef + "|" + rule.code());
    }

    /** Deterministic identifier value for a patient's Flag. */
    public static String flagKey(String patientRef) {
        return uuid(patientRef + "|flag");
    }

    private static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    public DetectedIssue detectedIssue(Finding f, Instant identified) {
        DetectedIssue di = new DetectedIssue();
        String key = issueKey(f.patientRef(), f.rule());
        di.setId(key);
        di.getMeta().addProfile(Canonical.PROFILE_DETECTED_ISSUE);
        if (modes.silent(f)) {
            di.getMeta().addTag(Canonical.FINDING_TAG_SYSTEM, TAG_SILENT, "Silent rule: not shown, not written");
        }
        di.addIdentifier(new Identifier().setSystem(Canonical.DETECTED_ISSUE_ID_SYSTEM).setValue(key));
        di.setStatus(DetectedIssue.DetectedIssueStatus.FINAL);
        di.setCode(code(f.rule()));
        di.setSeverity(DetectedIssue.DetectedIssueSeverity.fromCode(f.severity().code()));
        di.setPatient(new Reference(f.patientRef()));
        di.setIdentified(dateTime(identified));
        di.setAuthor(new Reference(DEVICE_REF).setDisplay("e2guard"));
        f.implicated().forEach(ref -> di.addImplicated(new Reference(ref)));
        if (!f.evidence().isEmpty()) {
            DetectedIssue.DetectedIssueEvidenceComponent ev = di.addEvidence();
            f.evidence().forEach(ref -> ev.addDetail(new Reference(ref)));
        }
        di.setDetail(DetailText.of(f));
        if (!f.sources().isEmpty()) {
            di.setReference(f.sources().get(0).url());
        }
        di.addExtension(Canonical.EXT_RULESET_VERSION, new StringType(f.rulesetVersion()));
        di.addExtension(Canonical.EXT_THRESHOLD, new StringType(f.threshold()));
        if (f.window() != null) {
            di.addExtension(Canonical.EXT_WINDOW, new Period()
                    .setStartElement(dateTime(f.window().start()))
                    .setEndElement(dateTime(f.window().end())));
        }
        for (Action a : f.actions()) {
            // display and sources live in the detail text; the codes are for machines
            di.addExtension(Canonical.EXT_ACTION, new CodeableConcept(new Coding(Canonical.ACTION_SYSTEM, a.code(), null)));
        }
        for (Source s : f.sources()) {
            // short form: the full reference is in SOURCES.md and the rule CodeSystem
            di.addExtension(Canonical.EXT_SOURCE, new StringType(s.label() + ". " + s.url()));
        }
        return di;
    }

    /** The code of a rule: the v3-ActCode issue type plus e2guard's rule code, versioned. */
    public static CodeableConcept code(Rule rule) {
        String[] actCode = actCode(rule);
        return new CodeableConcept()
                .addCoding(new Coding(Canonical.ACT_CODE, actCode[0], actCode[1]))
                .addCoding(new Coding(Canonical.RULE_SYSTEM, rule.code(), rule.title()).setVersion(Engine.RULESET_VERSION))
                .setText(rule.title());
    }

    static String[] actCode(Rule rule) {
        return switch (rule.family()) {
            case ESTRADIOL -> new String[] {"LAB", "lab interaction"};
            case BONE -> new String[] {"COND", "condition alert"};
            case DOSE -> new String[] {"DOSEH", "High Dose Alert"};
            case ORDER -> new String[] {"DACT", "drug action detected issue"};
            case MONITORING -> rule == Rule.M4 ? new String[] {"LAB", "lab interaction"}
                    : new String[] {"DACT", "drug action detected issue"};
        };
    }

    /**
     * The patient's Flag: active while any finding is. {@code drug} category when any finding is
     * about the drug's effect, {@code lab} when all are monitoring gaps.
     */
    public Flag flag(String patientRef, List<Finding> findings, List<String> issueRefs, Instant since) {
        Flag flag = new Flag();
        String key = flagKey(patientRef);
        flag.setId(key);
        flag.getMeta().addProfile(Canonical.PROFILE_FLAG);
        flag.addIdentifier(new Identifier().setSystem(Canonical.FLAG_ID_SYSTEM).setValue(key));
        flag.setStatus(Flag.FlagStatus.ACTIVE);
        boolean onlyMonitoring = findings.stream().allMatch(f -> f.rule().family() == Rule.Family.MONITORING);
        flag.addCategory(new CodeableConcept(new Coding(Canonical.FLAG_CATEGORY, onlyMonitoring ? "lab" : "drug",
                onlyMonitoring ? "Lab" : "Drug")));
        flag.setCode(new CodeableConcept()
                .addCoding(new Coding(Canonical.SNOMED, "391040000", "At risk of osteoporotic fracture"))
                .addCoding(new Coding(Canonical.FLAG_SYSTEM, "ai-bone-risk", "Bone risk on an aromatase inhibitor"))
                .setText(flagText(findings)));
        flag.setSubject(new Reference(patientRef));
        flag.setPeriod(new Period().setStartElement(dateTime(since)));
        flag.setAuthor(new Reference(DEVICE_REF).setDisplay("e2guard"));
        flag.addExtension(Canonical.EXT_RULESET_VERSION, new StringType(Engine.RULESET_VERSION));
        issueRefs.forEach(ref -> flag.addExtension(Canonical.EXT_FLAG_DETAIL, new Reference(ref)));
        return flag;
    }

    private static String flagText(List<Finding> findings) {
        StringBuilder sb = new StringBuilder("e2guard: bone risk on an aromatase inhibitor (");
        for (int i = 0; i < findings.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(findings.get(i).rule().code());
        }
        return sb.append(')').toString();
    }

    public Device device() {
        Device d = new Device();
        d.setId(DEVICE_ID);
        d.getMeta().addProfile(Canonical.PROFILE_DEVICE);
        d.addIdentifier(new Identifier().setSystem(Canonical.DEVICE_ID_SYSTEM).setValue("e2guard"));
        d.setStatus(Device.FHIRDeviceStatus.ACTIVE);
        d.setManufacturer("e2guard project");
        d.addDeviceName().setName("e2guard").setType(Device.DeviceNameType.MANUFACTURERNAME);
        d.setType(new CodeableConcept().setText("Clinical decision support software"));
        d.addVersion().setValue(softwareVersion);
        d.addVersion().setType(new CodeableConcept().setText("ruleset")).setValue(Engine.RULESET_VERSION);
        return d;
    }

    static DateTimeType dateTime(Instant t) {
        return new DateTimeType(Date.from(t), ca.uhn.fhir.model.api.TemporalPrecisionEnum.SECOND,
                java.util.TimeZone.getTimeZone("UTC"));
    }

    static String date(Instant t) {
        return DATE.format(t);
    }

}
