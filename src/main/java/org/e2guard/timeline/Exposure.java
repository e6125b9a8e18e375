package org.e2guard.timeline;

import java.time.Instant;

/**
 * One medication record as an exposure interval.
 *
 * @param end           end of exposure, or null while ongoing ("current" records run to the evaluation time)
 * @param current       the record's status says the patient is on it now (active, intended, on-hold)
 * @param matchedByName the drug was recognised by its name, not by a code (findings say so)
 * @param dose          the weekly dose where it could be computed, else null
 * @param doseProblem   why the weekly dose could not be computed, else null
 */
public record Exposure(String ref, Ingredient ingredient, Instant start, Instant end, boolean current,
                       boolean matchedByName, WeeklyDose dose, String doseProblem) {

    public Ingredient.DrugClass drugClass() {
        return ingredient.drugClass();
    }
}
