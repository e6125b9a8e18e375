package org.e2guard.mapping.record;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.e2guard.engine.Notice;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Splits resources that arrived together into one group per patient, by each resource's
 * {@code subject}. Shared resources (Medication, Device, ...) stay reachable through the index.
 */
public final class PatientGrouper {

    public record Grouped(List<PatientGroup> groups, List<Notice> notices) {
    }

    /** Resource types the rules read; others are counted and reported once per type. */
    public static final List<String> READ = List.of("Patient", "Observation", "DiagnosticReport",
            "MedicationStatement", "MedicationRequest", "MedicationAdministration", "Condition", "Procedure", "Medication");

    private PatientGrouper() {
    }

    public static Grouped group(ResourceIndex index) {
        Map<String, Patient> patients = new LinkedHashMap<>();
        Map<String, List<Resource>> byPatient = new LinkedHashMap<>();
        List<Notice> notices = new ArrayList<>();
        Map<String, Integer> unread = new TreeMap<>(index.skipped());
        for (Resource r : index.resources()) {
            if (r instanceof Patient p) {
                String key = index.refOf(p);
                patients.putIfAbsent(key, p);
                byPatient.computeIfAbsent(key, k -> new ArrayList<>());
            }
        }
        for (Resource r : index.resources()) {
            if (r instanceof Patient) {
                continue;
            }
            Reference subject = subjectOf(r);
            if (subject == null) {
                if (!READ.contains(r.fhirType())) {
                    unread.merge(r.fhirType(), 1, Integer::sum);
                }
                continue;
            }
            String key = patientKey(subject, r, index);
            if (key == null) {
                notices.add(Notice.warning(index.refOf(r), r.fhirType() + ".subject",
                        "Ignored: the subject is not a Patient that can be identified in the input."));
                continue;
            }
            byPatient.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        unread.forEach((type, n) -> notices.add(Notice.info(null, type,
                n + " " + type + " resource(s) ignored: e2guard does not read this type.")));
        List<PatientGroup> groups = new ArrayList<>(byPatient.size());
        byPatient.forEach((key, resources) -> groups.add(new PatientGroup(key, patients.get(key), resources)));
        return new Grouped(groups, notices);
    }

    /** The subject of a resource type the rules read, null for others or when absent. */
    static Reference subjectOf(Resource r) {
        Reference s = subjectReference(r);
        if (s == null && !READ_WITH_SUBJECT.contains(r.fhirType())) {
            return null;
        }
        return s == null || (!s.hasReference() && s.getResource() == null) ? new Reference() : s;
    }

    private static final List<String> READ_WITH_SUBJECT = List.of("Observation", "MedicationStatement",
            "MedicationRequest", "MedicationAdministration", "Condition", "DiagnosticReport", "Procedure");

    /** The {@code subject} element of a resource type the rules read, as it is (null for other types). */
    public static Reference subjectReference(Resource r) {
        Reference s = null;
        if (r instanceof Observation o) {
            s = o.getSubject();
        } else if (r instanceof MedicationStatement m) {
            s = m.getSubject();
        } else if (r instanceof MedicationRequest m) {
            s = m.getSubject();
        } else if (r instanceof MedicationAdministration m) {
            s = m.getSubject();
        } else if (r instanceof Condition c) {
            s = c.getSubject();
        } else if (r instanceof DiagnosticReport d) {
            s = d.getSubject();
        } else if (r instanceof Procedure p) {
            s = p.getSubject();
        }
        return s;
    }

    private static String patientKey(Reference subject, Resource from, ResourceIndex index) {
        Resource target = index.resolve(subject, from);
        if (target instanceof Patient p) {
            return index.refOf(p);
        }
        if (target != null) {
            return null;
        }
        String s = subject.getReference();
        if (s == null || s.startsWith("urn:") || s.startsWith("#")) {
            return null;
        }
        String typeAndId = ResourceIndex.typeAndId(s);
        return typeAndId.startsWith("Patient/") ? typeAndId : null;
    }
}
