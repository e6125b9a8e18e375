package org.e2guard.ehr;

import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.mapping.record.ResourceIndex;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/** The patient a resource from the EHR is about, as the EHR's logical Patient id. */
public final class Subjects {
    private Subjects() {
    }

    /** The Patient id of a resource the rules read (or of a Patient itself); null when it has none. */
    public static String patientId(Resource r) {
        if (r instanceof Patient p) {
            return p.getIdElement().getIdPart();
        }
        Reference s = PatientGrouper.subjectReference(r);
        return patientId(s == null ? null : s.getReference());
    }

    /** The id of a {@code Patient/<id>} reference, relative or absolute; null for anything else. */
    public static String patientId(String reference) {
        if (reference == null || reference.isBlank() || reference.startsWith("#") || reference.startsWith("urn:")) {
            return null;
        }
        String typeAndId = ResourceIndex.typeAndId(reference);
        return typeAndId.startsWith("Patient/") && typeAndId.length() > "Patient/".length()
                ? typeAndId.substring("Patient/".length()) : null;
    }
}
