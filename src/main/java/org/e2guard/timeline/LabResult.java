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
}
