package org.e2guard.timeline;

/**
 * A dose as mg per week, with the reported form it was computed from.
 *
 * @param reported e.g. {@code "0.5 mg 2 per 1 wk"}
 */
public record WeeklyDose(double mgPerWeek, String reported) {
    public String text() {
        return Numbers.format(mgPerWeek) + " mg/week (" + reported + ")";
    }
}
