package org.e2guard.timeline;

import java.time.Instant;

/**
 * A recorded fact that enriches findings but never fires a rule alone (RULES.md §4, "Context").
 *
 * <p>RULES.md 1.2 judges a Condition as it stood at the evaluation instant, not as a later export
 * shows it, so the fact keeps its dates and its status rather than a verdict made at mapping time.
 *
 * @param time           when the fact began: a Condition's onset (else its recorded date), an
 *                       Observation's effective time; null when the record gives none
 * @param abatement      when a Condition abated, or null (never for an Observation)
 * @param activeByStatus what {@code clinicalStatus} says today (active, recurrence, relapse, or none
 *                       given); decides only when the record has no dates to judge by
 * @param onsetDated     the Condition states its onset (a recorded date alone does not date the
 *                       condition itself); always true for an Observation
 */
public record ClinicalContext(String ref, Kind kind, String label, Instant time, Instant abatement,
                              boolean activeByStatus, boolean onsetDated) {

    public enum Kind {
        SYMPTOM, FRAGILITY_FRACTURE, OSTEOPOROSIS_DIAGNOSIS, OSTEOPENIA_DIAGNOSIS, HYPOGONADISM,
        FRACTURE_RISK, SMOKING, ALCOHOL_EXCESS;

        /**
         * History counts from its onset on whatever became of it (RULES.md 1.2 §4): a healed
         * fracture is still a prior fracture, a diagnosis once made stays known.
         */
        public boolean history() {
            return this == FRAGILITY_FRACTURE || this == OSTEOPOROSIS_DIAGNOSIS || this == OSTEOPENIA_DIAGNOSIS;
        }
    }

    /** An observed fact (an Observation): it stands from its time on. */
    public static ClinicalContext observed(String ref, Kind kind, String label, Instant time) {
        return new ClinicalContext(ref, kind, label, time, null, true, true);
    }

    /**
     * Whether the fact stood at {@code asOf} (RULES.md 1.2 §4): not before its onset (or, without
     * one, its recorded date: a fact recorded later was not known); history from then on; anything
     * else active unless it abated at or before {@code asOf}, and active whatever its status says
     * today when it abated only after. Without an abatement date the status decides.
     */
    public boolean standsAt(Instant asOf) {
        if (time != null && time.isAfter(asOf)) {
            return false;
        }
        if (kind.history()) {
            return true;
        }
        if (abatement != null) {
            return abatement.isAfter(asOf);
        }
        return activeByStatus;
    }
}
