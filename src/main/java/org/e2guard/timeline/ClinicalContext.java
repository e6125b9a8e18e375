package org.e2guard.timeline;

import java.time.Instant;

/** A recorded fact that enriches findings but never fires a rule alone (RULES.md §4, "Context"). */
public record ClinicalContext(String ref, Kind kind, String label, Instant time) {

    public enum Kind {
        SYMPTOM, FRAGILITY_FRACTURE, OSTEOPOROSIS_DIAGNOSIS, OSTEOPENIA_DIAGNOSIS, HYPOGONADISM,
        FRACTURE_RISK, SMOKING, ALCOHOL_EXCESS
    }
}
