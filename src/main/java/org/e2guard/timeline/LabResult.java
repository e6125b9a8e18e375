package org.e2guard.timeline;

import java.time.Instant;

/**
 * One usable laboratory observation.
 *
 * @param ref       reference to the source resource, e.g. {@code Observation/e2}
 * @param canonical value in {@link LabConcept#canonicalUnit()}
 * @param reported  value as the source reported it, with its unit, e.g. {@code "80 pmol/L"}
 * @param sensitive for estradiol: a sensitive (LC-MS/MS) method; false for standard immunoassays
 * @param proxy     the code measures a proxy of the concept (vitamin D3 only for total 25-OH D)
 * @param high      the laboratory flagged it above its reference range (interpretation H/HH or referenceRange.high)
 */
public record LabResult(String ref, LabConcept concept, Instant time, Instant issued, Bound canonical,
                        String reported, boolean sensitive, boolean proxy, boolean high) implements Timed {

    public String canonicalText() {
        return canonical + " " + concept.canonicalUnit();
    }

    /**
     * The value as a person reads it: as reported, then in the concept's other unit, e.g.
     * {@code "14 pg/mL (51 pmol/L)"} or {@code "80 pmol/L (21.8 pg/mL)"}; the value alone when the
     * concept has one unit only. The bracketed figure is rounded as laboratories write it, but
     * never across one of {@code thresholds} (canonical unit) that the value itself is not across.
     */
    public String readable(double... thresholds) {
        int space = reported.indexOf(' ');
        String unit = space < 0 ? "" : reported.substring(space + 1).trim();
        String symbol = canonical.comparator().symbol();
        // "14.0 pg/mL" is written "14 pg/mL" by a person; the figure is the laboratory's, unrounded
        String reported = symbol + Numbers.plain(space < 0 ? this.reported.substring(symbol.length())
                : this.reported.substring(symbol.length(), space)) + (unit.isEmpty() ? "" : " " + unit);
        if (unit.equalsIgnoreCase(concept.canonicalUnit())) {
            if (concept.otherUnit() == null) {
                return reported;
            }
            double f = concept.otherPerCanonical();
            double[] scaled = new double[thresholds.length];
            for (int i = 0; i < thresholds.length; i++) {
                scaled[i] = thresholds[i] * f;
            }
            return reported + " (" + symbol + Numbers.rounded(canonical.value() * f, concept.otherDecimals(), scaled)
                    + " " + concept.otherUnit() + ")";
        }
        return reported + " (" + symbol + Numbers.rounded(canonical.value(), concept.canonicalDecimals(), thresholds)
                + " " + concept.canonicalUnit() + ")";
    }
}
