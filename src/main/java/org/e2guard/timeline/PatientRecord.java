package org.e2guard.timeline;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * One patient's normalised timeline: only usable facts, already in canonical units. Whatever was
 * ignored on the way in is reported by the mapping, not carried here.
 *
 * @param patientRef e.g. {@code Patient/p1}
 * @param birthDate  null when unknown
 * @param death      null while the record says nothing of a death
 * @param scans      DXA scans on record as a report or procedure, whether or not their numbers are in {@code dxa}
 */
public record PatientRecord(String patientRef, Gender gender, LocalDate birthDate, Death death, List<LabResult> labs,
                            List<DxaResult> dxa, List<DxaScan> scans, List<Exposure> exposures,
                            List<ClinicalContext> context) {

    public enum Gender { MALE, FEMALE, OTHER, UNKNOWN }

    /**
     * The patient is recorded as deceased: {@code deceasedDateTime}, or {@code at} null for
     * {@code deceasedBoolean} true (a death whose time is not known, and so before any instant).
     */
    public record Death(Instant at) {
        public boolean by(Instant instant) {
            return at == null || !at.isAfter(instant);
        }
    }

    public PatientRecord {
        labs = List.copyOf(labs);
        dxa = List.copyOf(dxa);
        scans = List.copyOf(scans);
        exposures = List.copyOf(exposures);
        context = List.copyOf(context);
    }

    /** RULES.md §1: deceased patients are not evaluated. */
    public boolean deceasedBy(Instant instant) {
        return death != null && death.by(instant);
    }

    public List<LabResult> labs(LabConcept concept) {
        return labs.stream().filter(l -> l.concept() == concept).toList();
    }

    public List<Exposure> exposures(Ingredient.DrugClass drugClass) {
        return exposures.stream().filter(e -> e.drugClass() == drugClass).toList();
    }
}
