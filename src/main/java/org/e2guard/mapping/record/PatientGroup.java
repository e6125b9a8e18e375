package org.e2guard.mapping.record;

import java.util.List;

import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/**
 * The resources of one patient within a larger input.
 *
 * @param patientRef {@code Patient/<id>}
 * @param patient    the Patient resource, or null when the input does not carry it
 */
public record PatientGroup(String patientRef, Patient patient, List<Resource> resources) {
}
