package org.e2guard.writeback;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.e2guard.engine.Evaluation;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Rule;
import org.e2guard.engine.RuleMode;
import org.e2guard.engine.RuleModes;
import org.e2guard.mapping.output.Canonical;
import org.e2guard.mapping.output.FindingResources;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;

/**
 * Compares an evaluation with what was last written for the patient and plans only the
 * difference: new or changed findings (DetectedIssue), findings that no longer fire (resolved:
 * the last written DetectedIssue amended with a mitigation), and the patient's Flag (written when
 * its content changes, inactivated with {@code period.end} when nothing fires any more). An
 * unchanged patient plans nothing.
 *
 * <p>Resolution and DetectedIssue.status: R4 binds it to the observation statuses and has no
 * "resolved" (R5 added {@code mitigated}). A finding that stops firing was not an error, and
 * {@code cancelled} means "never completed", so e2guard sets {@code amended} (changed after being
 * final), records what resolved it in {@code mitigation}, and marks the status element with the
 * R5 cross-version extension saying {@code mitigated}. Active findings are always {@code final}.
 */
public final class WritebackPlanner {
    /** e2guard's code for "resolved on re-evaluation" in DetectedIssue.mitigation.action. */
    public static final String MITIGATION_SYSTEM = Canonical.BASE + "/CodeSystem/mitigation";
    public static final String MITIGATION_CODE = "resolved-on-reevaluation";
    /** RULES.md §1: a deceased patient's open findings resolve with the mitigation "patient deceased". */
    public static final String MITIGATION_DECEASED = "patient-deceased";
    /** The R5 DetectedIssue.status, carried in R4 as a cross-version extension on the status element. */
    public static final String R5_STATUS_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-DetectedIssue.status";

    /** A rule put into silent or off mode: what it had written resolves (issue 13, as RULES.md §6 for a cleared finding). */
    public static final String MITIGATION_SILENCED = "rule-silenced";
    public static final String MITIGATION_TURNED_OFF = "rule-turned-off";

    private final FindingResources resources;
    private final FhirContext ctx;
    private final RuleModes modes;

    public WritebackPlanner(FindingResources resources, FhirContext ctx) {
        this(resources, ctx, RuleModes.ALL_ACTIVE);
    }

    /** @param modes the deployment's rule modes: only active rules are written */
    public WritebackPlanner(FindingResources resources, FhirContext ctx, RuleModes modes) {
        this.resources = resources;
        this.ctx = ctx;
        this.modes = modes;
    }

    /**
     * @param written what was last written for this patient (DetectedIssues and Flag)
     * @param record  the patient's timeline, for the resolution text (asked for only when something resolves)
     * @param asOf    the evaluation time: "identified" of newly active findings
     * @param now     the time of resolution
     * @return DetectedIssues first (the Flag refers to them), then the Flag
     */
    public List<PlannedWrite> plan(Evaluation evaluation, Supplier<PatientRecord> record, List<WrittenState> written,
                                   Instant asOf, Instant now) {
        String patientRef = evaluation.patientRef();
        Map<String, WrittenState> issues = written.stream().filter(s -> s.resourceType().equals("DetectedIssue"))
                .collect(Collectors.toMap(WrittenState::identifier, Function.identity()));
        WrittenState flagState = written.stream().filter(s -> s.resourceType().equals("Flag")).findFirst().orElse(null);

        List<PlannedWrite> out = new ArrayList<>();
        List<String> issueRefs = new ArrayList<>();
        Set<String> firing = new HashSet<>();
        // a silent rule's finding never reaches the EHR; one it had written resolves below
        List<Finding> shown = evaluation.findings().stream().filter(modes::active).toList();
        for (Finding f : shown) {
            String key = FindingResources.issueKey(patientRef, f.rule());
            firing.add(key);
            issueRefs.add("DetectedIssue/" + key);
            String hash = ContentHash.of(f);
            WrittenState s = issues.get(key);
            if (s != null && s.active() && s.hash().equals(hash)) {
                continue;
            }
            Instant identified = s != null && s.active() ? s.firstIdentified() : asOf;
            out.add(new PlannedWrite("DetectedIssue", Canonical.DETECTED_ISSUE_ID_SYSTEM, key, f.rule().code(),
                    WrittenState.ACTIVE, hash, identified, resources.detectedIssue(f, identified)));
        }
        for (WrittenState s : issues.values()) {
            if (s.active() && !firing.contains(s.identifier())) {
                DetectedIssue di = ctx.newJsonParser().parseResource(DetectedIssue.class, s.body());
                Rule rule = s.rule() == null ? null : Rule.byCode(s.rule());
                PatientRecord r = record.get();
                RuleMode mode = rule == null ? RuleMode.ACTIVE : modes.of(rule);
                Coding why = r != null && r.deceasedBy(now)
                        ? new Coding(MITIGATION_SYSTEM, MITIGATION_DECEASED, "Patient deceased")
                        : switch (mode) {
                            case SILENT -> new Coding(MITIGATION_SYSTEM, MITIGATION_SILENCED, "Rule turned silent");
                            case OFF -> new Coding(MITIGATION_SYSTEM, MITIGATION_TURNED_OFF, "Rule turned off");
                            case ACTIVE -> new Coding(MITIGATION_SYSTEM, MITIGATION_CODE, "Resolved on re-evaluation");
                        };
                String text = mode != RuleMode.ACTIVE && (r == null || !r.deceasedBy(now))
                        ? "Rule " + rule.id() + " was turned " + mode.code() + " in this deployment; e2guard no longer reports it ("
                                + now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")."
                        : rule == null ? "No longer fires on re-evaluation at " + now + "." : ResolutionText.of(rule, r, now);
                resolve(di, why, text, now);
                out.add(new PlannedWrite("DetectedIssue", Canonical.DETECTED_ISSUE_ID_SYSTEM, s.identifier(), s.rule(),
                        WrittenState.RESOLVED, ContentHash.sha256("resolved|" + s.hash()), s.firstIdentified(), di));
            }
        }
        String flagKey = FindingResources.flagKey(patientRef);
        if (!shown.isEmpty()) {
            Flag flag = resources.flag(patientRef, shown, issueRefs, asOf);
            String hash = ContentHash.of(flag, ctx);
            if (flagState == null || !flagState.active() || !flagState.hash().equals(hash)) {
                Instant since = flagState != null && flagState.active() ? flagState.firstIdentified() : asOf;
                out.add(new PlannedWrite("Flag", Canonical.FLAG_ID_SYSTEM, flagKey, null, WrittenState.ACTIVE, hash, since,
                        resources.flag(patientRef, shown, issueRefs, since)));
            }
        } else if (flagState != null && flagState.active()) {
            Flag flag = ctx.newJsonParser().parseResource(Flag.class, flagState.body());
            flag.setStatus(Flag.FlagStatus.INACTIVE);
            flag.getPeriod().setEndElement(dateTime(now));
            out.add(new PlannedWrite("Flag", Canonical.FLAG_ID_SYSTEM, flagKey, null, WrittenState.RESOLVED,
                    ContentHash.sha256("resolved|" + flagState.hash()), flagState.firstIdentified(), flag));
        }
        return out;
    }

    /**
     * No {@code mitigation.author}: R4 allows only Practitioner or PractitionerRole there, and a real
     * EHR refuses a Device (HAPI: 422 HAPI-0931). The Provenance of the write names e2guard's Device.
     */
    static void resolve(DetectedIssue di, Coding why, String text, Instant now) {
        di.setStatus(DetectedIssue.DetectedIssueStatus.AMENDED);
        di.getStatusElement().getExtension().removeIf(e -> R5_STATUS_EXTENSION.equals(e.getUrl()));
        di.getStatusElement().addExtension(R5_STATUS_EXTENSION, new CodeType("mitigated"));
        di.addMitigation()
                .setAction(new CodeableConcept(why).setText(text))
                .setDateElement(dateTime(now));
    }

    static DateTimeType dateTime(Instant t) {
        return new DateTimeType(java.util.Date.from(t), TemporalPrecisionEnum.SECOND, java.util.TimeZone.getTimeZone("UTC"));
    }
}
