package org.e2guard.mapping.output;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import org.e2guard.engine.Evaluation;
import org.e2guard.engine.Finding;
import org.e2guard.engine.Notice;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * The answer of {@code $evaluate}: a collection Bundle with each patient's DetectedIssues and
 * Flag, the authoring Device, a Provenance for what e2guard asserted, and an OperationOutcome
 * listing every input that was ignored and why.
 */
public final class EvaluationBundle {
    private final FindingResources resources;

    public EvaluationBundle(FindingResources resources) {
        this.resources = resources;
    }

    public Bundle build(List<Evaluation> evaluations, List<Notice> notices, Instant now) {
        Bundle bundle = new Bundle();
        bundle.setId(UUID.randomUUID().toString());
        bundle.setType(Bundle.BundleType.COLLECTION);
        bundle.setTimestamp(Date.from(now));
        List<Resource> asserted = new ArrayList<>();
        for (Evaluation e : evaluations) {
            List<String> issueRefs = new ArrayList<>();
            List<Finding> flagged = new ArrayList<>();
            for (Finding f : e.findings()) {
                DetectedIssue di = resources.detectedIssue(f, e.asOf());
                add(bundle, di);
                asserted.add(di);
                // the Flag is what the EHR would show: a silent finding is returned, tagged, but not flagged
                if (!resources.silent(f)) {
                    flagged.add(f);
                    issueRefs.add("DetectedIssue/" + di.getIdPart());
                }
            }
            if (!flagged.isEmpty()) {
                Flag flag = resources.flag(e.patientRef(), flagged, issueRefs, e.asOf());
                add(bundle, flag);
                asserted.add(flag);
            }
        }
        add(bundle, resources.device());
        if (!asserted.isEmpty()) {
            add(bundle, provenance(asserted, now));
        }
        add(bundle, outcome(notices, evaluations));
        return bundle;
    }

    private static void add(Bundle bundle, Resource r) {
        bundle.addEntry().setFullUrl(fullUrl(r)).setResource(r);
    }

    private static String fullUrl(Resource r) {
        String id = r.getIdElement().getIdPart();
        try {
            return "urn:uuid:" + UUID.fromString(id);
        } catch (IllegalArgumentException notUuid) {
            return "urn:uuid:" + UUID.nameUUIDFromBytes((r.fhirType() + "/" + id).getBytes());
        }
    }

    /** e2guard, as a Device, authored these resources at {@code now}. */
    public static Provenance provenance(List<? extends Resource> targets, Instant now) {
        Provenance p = new Provenance();
        p.setId(UUID.randomUUID().toString());
        for (Resource r : targets) {
            p.addTarget(new Reference(r.fhirType() + "/" + r.getIdElement().getIdPart()));
        }
        p.setRecorded(Date.from(now));
        p.setActivity(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                "CREATE", "create")));
        p.addAgent()
                .setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                        "author", "Author")))
                .setWho(new Reference(FindingResources.DEVICE_REF).setDisplay("e2guard"));
        return p;
    }

    /** Notices as OperationOutcome issues; an outcome with nothing to report says so. */
    public static OperationOutcome outcome(List<Notice> notices, List<Evaluation> evaluations) {
        OperationOutcome oo = new OperationOutcome();
        oo.setId(UUID.randomUUID().toString());
        for (Notice n : notices) {
            OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                    .setSeverity(n.level() == Notice.Level.WARNING ? OperationOutcome.IssueSeverity.WARNING
                            : OperationOutcome.IssueSeverity.INFORMATION)
                    .setCode(n.level() == Notice.Level.WARNING ? OperationOutcome.IssueType.PROCESSING
                            : OperationOutcome.IssueType.INFORMATIONAL)
                    .setDiagnostics(n.message());
            issue.getDetails().setText(n.ref() == null ? n.message() : n.ref() + ": " + n.message());
            if (n.location() != null) {
                issue.addExpression(n.location());
            }
        }
        int findings = evaluations.stream().mapToInt(e -> e.findings().size()).sum();
        oo.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics("Evaluated " + evaluations.size() + " patient(s): " + findings + " finding(s), "
                        + notices.size() + " notice(s).");
        return oo;
    }
}
