package org.e2guard.validation;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.e2guard.engine.Notice;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirInput;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Exposure;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * e2guard's own view of an input, for {@code $validate}: which resources the rules would read
 * (and as what), which they would ignore and why, and which they do not use. It asks
 * {@link EvaluationService#intake} (the same grouping and mapping {@code $evaluate} runs) and
 * only describes the result; it never decides anything about a resource itself.
 */
@ApplicationScoped
public class InputReview {
    /** The source named on each issue, beside the FHIR validator's. */
    public static final String SOURCE = "e2guard";

    private static final DateTimeFormatter DATE = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
    /** Types the rules read (PatientGrouper reports the others once per type). */
    private static final Set<String> READ_TYPES = Set.of("Patient", "Observation", "DiagnosticReport",
            "MedicationStatement", "MedicationRequest", "MedicationAdministration", "Condition", "Procedure", "Medication");

    @Inject
    EvaluationService evaluation;

    /** Counts of the review, for the summary issue and the caller. */
    public record Summary(int patients, int read, int ignored, int unused, boolean accepted) {
    }

    /** Adds e2guard's view of {@code input} (as posted to {@code $evaluate}) to {@code oo}. */
    public Summary review(IBaseResource input, OperationOutcome oo) {
        String prefix;
        Bundle bundle;
        boolean accepted = true;
        try {
            if (input instanceof Bundle b) {
                bundle = b;
                prefix = "Bundle";
            } else if (input instanceof Parameters p) {
                // FHIR's $validate names its input 'resource'; $evaluate's Parameters say 'bundle'
                int at = parameterIndex(p, "resource");
                if (at >= 0 && p.getParameter().get(at).getResource() instanceof Bundle b) {
                    bundle = b;
                } else {
                    bundle = FhirInput.bundleParameter(p);
                    at = parameterIndex(p, "bundle");
                }
                prefix = "Parameters.parameter[" + at + "].resource";
            } else {
                throw FhirError.invalid("$evaluate expects a Bundle, or a Parameters resource with a 'bundle' "
                        + "parameter, not " + input.fhirType(), input.fhirType());
            }
        } catch (FhirError e) {
            issue(oo, OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueType.INVALID,
                    "$evaluate would reject this input: " + e.getMessage(), input.fhirType());
            return summary(oo, new Summary(0, 0, 0, 0, false));
        }
        try {
            FhirInput.checkType(bundle);
        } catch (FhirError e) {
            accepted = false;
            issue(oo, OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueType.INVALID,
                    "$evaluate would reject this input: " + e.getMessage(), prefix + ".type");
        }
        ResourceIndex index = ResourceIndex.of(bundle);
        Map<String, String> locations = new HashMap<>();
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            Resource r = bundle.getEntry().get(i).getResource();
            if (r != null) {
                locations.putIfAbsent(index.refOf(r), prefix + ".entry[" + i + "].resource");
            }
        }
        EvaluationService.Intake intake = evaluation.intake(index);

        Map<String, List<String>> uses = new LinkedHashMap<>();
        for (EvaluationService.PatientIntake p : intake.patients()) {
            describe(p.record(), uses);
        }
        Map<String, List<Notice>> noticesByRef = new HashMap<>();
        List<Notice> general = new ArrayList<>();
        for (Notice n : intake.notices()) {
            if (n.ref() == null) {
                general.add(n);
            } else {
                noticesByRef.computeIfAbsent(n.ref(), k -> new ArrayList<>()).add(n);
            }
        }
        Map<Resource, String> usedVia = usedThroughReferences(index, uses);

        int read = 0;
        int ignored = 0;
        int unused = 0;
        for (Resource r : index.resources()) {
            String ref = index.refOf(r);
            String where = locations.getOrDefault(ref, r.fhirType());
            List<String> as = uses.get(ref);
            List<Notice> notices = noticesByRef.remove(ref);
            boolean warned = notices != null && notices.stream().anyMatch(n -> n.level() == Notice.Level.WARNING);
            if (as != null || r instanceof Patient || usedVia.containsKey(r)) {
                read++;
                String what = as != null ? String.join("; ", as)
                        : r instanceof Patient ? "the patient (gender and birth date)" : usedVia.get(r);
                issue(oo, OperationOutcome.IssueSeverity.INFORMATION, OperationOutcome.IssueType.INFORMATIONAL,
                        ref + ": read as " + what, where);
            } else if (warned) {
                ignored++;
            } else if (READ_TYPES.contains(r.fhirType()) && notices == null) {
                unused++;
                issue(oo, OperationOutcome.IssueSeverity.INFORMATION, OperationOutcome.IssueType.INFORMATIONAL,
                        ref + ": not used by the rules (its code is in none of e2guard's value sets, or its "
                                + "status or kind is not one the rules act on)", where);
            }
            if (notices != null) {
                for (Notice n : notices) {
                    notice(oo, n, n.location() == null ? where : expression(where, n.location()));
                }
            }
        }
        // notices about resources that are not entries (e.g. a subject reference to nothing)
        noticesByRef.values().forEach(list -> list.forEach(n -> notice(oo, n, n.location())));
        general.forEach(n -> notice(oo, n, n.location()));
        return summary(oo, new Summary(intake.patients().size(), read, ignored, unused, accepted));
    }

    /** What each resource contributes to a patient's timeline, by reference. */
    private static void describe(PatientRecord record, Map<String, List<String>> uses) {
        for (LabResult l : record.labs()) {
            String unit = l.concept().canonicalUnit();
            String value = l.reported().equals(l.canonical() + " " + unit) ? l.reported()
                    : l.reported() + " = " + l.canonical() + " " + unit;
            add(uses, l.ref(), l.concept().label()
                    + (l.concept() == LabConcept.ESTRADIOL
                    ? (l.sensitive() ? " (sensitive assay)" : " (standard assay)") : "")
                    + (l.proxy() ? " (vitamin D3 only, a proxy for total 25-OH vitamin D)" : "")
                    + " " + value + ", " + date(l.time()));
        }
        for (DxaResult d : record.dxa()) {
            String kind = switch (d.kind()) {
                case BMD -> "DXA bone mineral density";
                case T_SCORE -> "DXA T-score";
                case Z_SCORE -> "DXA Z-score";
            };
            // scores have the unit "1", which reads as a digit
            String value = d.kind() == DxaResult.Kind.BMD ? d.reported() : d.reported().replaceFirst(" 1$", "");
            add(uses, d.ref(), kind + ", " + d.site().label() + ", " + value + ", scan date " + d.date());
        }
        for (DxaScan s : record.scans()) {
            add(uses, s.ref(), "a DXA on record (" + s.kind().label() + "), scan date " + s.date()
                    + ": counts for the DXA monitoring rules, never for a T-score");
        }
        for (Exposure e : record.exposures()) {
            StringBuilder s = new StringBuilder(e.ingredient().label()).append(" exposure from ").append(date(e.start()));
            s.append(e.end() != null ? " to " + date(e.end()) : "").append(e.current() ? " (current)" : " (ended)");
            if (e.matchedByName()) {
                s.append(", recognised by name only (no e2guard code)");
            }
            if (e.dose() != null) {
                s.append(", ").append(e.dose().text());
            } else if (e.doseProblem() != null && e.ingredient() == Ingredient.ANASTROZOLE) {
                s.append(", weekly dose unknown: ").append(e.doseProblem());
            }
            add(uses, e.ref(), s.toString());
        }
        for (ClinicalContext c : record.context()) {
            add(uses, c.ref(), "context (" + c.kind().name().toLowerCase().replace('_', ' ') + ": " + c.label() + ")"
                    + (c.time() == null ? "" : ", " + date(c.time())));
        }
    }

    /**
     * Resources read only through a reference from a read one: the DXA report whose results are
     * read, the Medication a read medication record points to.
     */
    private static Map<Resource, String> usedThroughReferences(ResourceIndex index, Map<String, List<String>> uses) {
        Map<Resource, String> via = new IdentityHashMap<>();
        for (Resource r : index.resources()) {
            if (r instanceof DiagnosticReport d) {
                for (Reference result : d.getResult()) {
                    Resource target = index.resolve(result, d);
                    if (target != null && uses.containsKey(index.refOf(target))) {
                        via.put(d, "a DXA report whose results are read");
                        break;
                    }
                }
            }
            if (!uses.containsKey(index.refOf(r))) {
                continue;
            }
            Type medication = r instanceof MedicationStatement m ? m.getMedication()
                    : r instanceof MedicationRequest m ? m.getMedication()
                    : r instanceof MedicationAdministration m ? m.getMedication() : null;
            if (medication instanceof Reference ref && index.resolve(ref, r) instanceof Medication med) {
                via.putIfAbsent(med, "the medication of " + index.refOf(r));
            }
        }
        return via;
    }

    private static void add(Map<String, List<String>> uses, String ref, String what) {
        uses.computeIfAbsent(ref, k -> new ArrayList<>()).add(what);
    }

    /** Same mapping as the $evaluate OperationOutcome: warnings say why something was left out. */
    private static void notice(OperationOutcome oo, Notice n, String expression) {
        boolean warning = n.level() == Notice.Level.WARNING;
        issue(oo, warning ? OperationOutcome.IssueSeverity.WARNING : OperationOutcome.IssueSeverity.INFORMATION,
                warning ? OperationOutcome.IssueType.PROCESSING : OperationOutcome.IssueType.INFORMATIONAL,
                n.ref() == null ? n.message() : n.ref() + ": " + n.message(), expression);
    }

    private static Summary summary(OperationOutcome oo, Summary s) {
        issue(oo, OperationOutcome.IssueSeverity.INFORMATION, OperationOutcome.IssueType.INFORMATIONAL,
                (s.accepted() ? "$evaluate would evaluate " + s.patients() + " patient(s)"
                        : "$evaluate would reject this input; if it were accepted, it would evaluate "
                        + s.patients() + " patient(s)")
                        + ": " + s.read() + " resource(s) read, " + s.ignored() + " ignored (see the warnings), "
                        + s.unused() + " not used by the rules.", null);
        return s;
    }

    static void issue(OperationOutcome oo, OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType type,
                      String text, String expression) {
        OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue().setSeverity(severity).setCode(type);
        issue.getDetails().setText(text);
        if (expression != null) {
            issue.addExpression(expression);
        }
        issue.addExtension(FhirValidationOutcome.EXT_ISSUE_SOURCE, new StringType(SOURCE));
    }

    /** {@code Observation.status} of the resource at {@code Bundle.entry[3].resource} -> {@code Bundle.entry[3].resource.status}. */
    static String expression(String resourceLocation, String elementPath) {
        int dot = elementPath.indexOf('.');
        return dot < 0 ? resourceLocation : resourceLocation + elementPath.substring(dot);
    }

    private static int parameterIndex(Parameters p, String name) {
        for (int i = 0; i < p.getParameter().size(); i++) {
            if (name.equals(p.getParameter().get(i).getName())) {
                return i;
            }
        }
        return -1;
    }

    private static String date(Instant t) {
        return t == null ? "no date" : DATE.format(t);
    }
}
