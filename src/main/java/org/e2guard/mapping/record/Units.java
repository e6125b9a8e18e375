package org.e2guard.mapping.record;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.e2guard.timeline.LabConcept;

/**
 * Conversion of laboratory values to the canonical unit of their concept (TERMINOLOGY.md). Only
 * the listed UCUM units are accepted, in any letter case; anything else is unusable, never guessed.
 */
public final class Units {
    static final String UCUM = "http://unitsofmeasure.org";

    /** Per concept: accepted unit (lower case) to the factor that turns it into the canonical unit. */
    private static final Map<LabConcept, Map<String, Double>> FACTORS = Map.ofEntries(
            Map.entry(LabConcept.ESTRADIOL, Map.of("pg/ml", 1.0, "pmol/l", 1 / 3.671)),
            Map.entry(LabConcept.TESTOSTERONE_TOTAL, Map.of("ng/dl", 1.0, "nmol/l", 1 / 0.0347)),
            Map.entry(LabConcept.TESTOSTERONE_FREE, Map.of("pg/ml", 1.0)),
            Map.entry(LabConcept.SHBG, Map.of("nmol/l", 1.0)),
            Map.entry(LabConcept.VITAMIN_D, Map.of("ng/ml", 1.0, "nmol/l", 1 / 2.496)),
            Map.entry(LabConcept.CALCIUM, Map.of("mg/dl", 1.0, "mmol/l", 1 / 0.2495)),
            Map.entry(LabConcept.PTH, Map.of("pg/ml", 1.0, "pmol/l", 9.425)),
            Map.entry(LabConcept.P1NP, Map.of("ng/ml", 1.0)),
            Map.entry(LabConcept.CTX, Map.of("pg/ml", 1.0)),
            Map.entry(LabConcept.BONE_ALP, Map.of("u/l", 1.0)),
            Map.entry(LabConcept.HDL, Map.of("mg/dl", 1.0, "mmol/l", 38.67)),
            Map.entry(LabConcept.HEMATOCRIT, Map.of("%", 1.0)));

    private Units() {
    }

    /** The factor to the canonical unit, or null when the unit is missing or not accepted. */
    public static Double factor(LabConcept concept, String unit) {
        if (unit == null || unit.isBlank()) {
            return null;
        }
        return FACTORS.get(concept).get(unit.trim().toLowerCase(Locale.ROOT));
    }

    /**
     * The numeric value of a quantity, or null when it has none that can be compared: absent (an
     * element may carry only an extension, which HAPI reports as "has value"), or too large for a
     * double.
     */
    public static Double valueOf(org.hl7.fhir.r4.model.Quantity q) {
        if (q == null || q.getValueElement().getValue() == null) {
            return null;
        }
        double v = q.getValueElement().getValue().doubleValue();
        return Double.isFinite(v) ? v : null;
    }

    /** The unit of a quantity: its UCUM code, else its human-readable unit text. */
    public static String unitOf(org.hl7.fhir.r4.model.Quantity q) {
        if (q.hasCode() && (!q.hasSystem() || UCUM.equals(q.getSystem()))) {
            return q.getCode();
        }
        return q.hasUnit() ? q.getUnit() : null;
    }

    /** True for the unit of a BMD (g/cm2) in any letter case. */
    public static boolean isBmdUnit(String unit) {
        return unit != null && unit.trim().equalsIgnoreCase("g/cm2");
    }

    /** A UCUM annotation alone ("{T-score}", "{SD}") is the unity, as "1" is. */
    private static final Pattern ANNOTATION = Pattern.compile("\\{[^{}]*}");
    private static final Set<String> SCORE_TEXTS = Set.of("t-score", "z-score", "sd");

    /**
     * True for a unit a T- or Z-score may carry (RULES.md §3): UCUM {@code 1}, an annotation alone,
     * the unit text T-score, Z-score or SD in any letter case, or no unit at all.
     */
    public static boolean isScoreUnit(org.hl7.fhir.r4.model.Quantity q) {
        if (!q.hasCode() && !q.hasUnit()) {
            return true;
        }
        String unit = unitOf(q);
        if (unit == null) {
            return false;
        }
        String u = unit.trim();
        return u.equals("1") || ANNOTATION.matcher(u).matches() || SCORE_TEXTS.contains(u.toLowerCase(Locale.ROOT));
    }

    /** Milligrams per unit of a dose quantity, or null. */
    public static Double milligrams(String unit) {
        if (unit == null) {
            return null;
        }
        return switch (unit.trim().toLowerCase(Locale.ROOT)) {
            case "mg" -> 1.0;
            case "g" -> 1000.0;
            case "ug", "mcg", "µg" -> 0.001;
            default -> null;
        };
    }
}
