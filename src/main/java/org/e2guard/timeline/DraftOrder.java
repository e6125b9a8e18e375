package org.e2guard.timeline;

/**
 * A medication order under review (CDS Hooks order-select / order-sign draft), for rule O1.
 *
 * @param ref  reference to the draft resource, e.g. {@code MedicationRequest/draft-1}
 * @param dose the draft's weekly dose, or null when it cannot be computed
 */
public record DraftOrder(String ref, Ingredient ingredient, WeeklyDose dose, boolean matchedByName) {
}
