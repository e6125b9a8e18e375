package org.e2guard.evaluation.timeline;

import java.time.LocalDate;
import java.util.List;

/**
 * One patient's normalised timeline: only usable facts, already in canonical units. Whatever was
 * ignored on the way in is reported by the mapping, not carried here.
 *
 * @param patientRef e.g. {@code Patient/p1}
 * @param birthDate  null when unknown
 */
public record PatientRecord(String patientRef, Gender gender, LocalDate birthDate, List<LabResult> labs,
                            List<DxaResult> dxa, List<Exposure> exposures, List<ClinicalContext> context) {

    public enum Gender { MALE, FEMALE, OTHER, UNKNOWN }

    public PatientRecord {
        labs = List.copyOf(labs);
        dxa = List.copyOf(dxa);
        exposures = List.copyOf(exposures);
        context = List.copyOf(context);
    }

    public List<LabResult> labs(LabConcept concept) {
        return labs.stream().filter(l -> l.concept() == concept).toList();
    }

    public List<Exposure> exposures(Ingredient.DrugClass drugClass) {
        return exposures.stream().filter(e -> e.drugClass() == drugClass).toList();
    }
}
