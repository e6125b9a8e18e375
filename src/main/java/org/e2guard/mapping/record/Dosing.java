package org.e2guard.mapping.record;

import static org.e2guard.timeline.Numbers.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.e2guard.timeline.WeeklyDose;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Timing;

/**
 * Weekly dose from FHIR Dosage: dose quantity times doses per week, from {@code timing.repeat}
 * (frequency/period/periodUnit, or days of the week) or {@code timing.code} (BID, QD, ...).
 * Concurrent dosage lines add up. Anything it cannot read exactly gives a reason instead of a dose.
 */
public final class Dosing {
    static final String GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";
    /**
     * The systems the same abbreviations arrive under: R4's, the STU3-era URL still sent by older
     * interfaces, and the FHIR code system that succeeded it. Same codes, same meaning.
     */
    static final java.util.Set<String> GTS_SYSTEMS = java.util.Set.of(GTS, "http://hl7.org/fhir/v3/GTSAbbreviation",
            "http://terminology.hl7.org/CodeSystem/timing-abbreviation");
    private static final double DAYS_PER_MONTH = 365.25 / 12;

    /** GTS abbreviations as administrations per week. */
    private static final Map<String, Double> CODES = Map.ofEntries(
            Map.entry("QD", 7.0), Map.entry("AM", 7.0), Map.entry("PM", 7.0), Map.entry("BED", 7.0),
            Map.entry("BID", 14.0), Map.entry("TID", 21.0), Map.entry("QID", 28.0), Map.entry("QOD", 3.5),
            Map.entry("Q1H", 168.0), Map.entry("Q2H", 84.0), Map.entry("Q3H", 56.0), Map.entry("Q4H", 42.0),
            Map.entry("Q6H", 28.0), Map.entry("Q8H", 21.0), Map.entry("WK", 1.0), Map.entry("MO", 7 / DAYS_PER_MONTH));

    /** A weekly dose or why there is none. */
    public record Result(WeeklyDose dose, String problem) {
        static Result problem(String why) {
            return new Result(null, why);
        }
    }

    private Dosing() {
    }

    static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

    /**
     * Product codes whose strength is fixed by the code itself (TERMINOLOGY.md): a dose counted in
     * tablets of these is a dose in mg. RxNorm SCD 199224 is anastrozole 1 mg oral tablet.
     */
    private static final Map<String, Double> MG_PER_TABLET = Map.of("199224", 1.0);

    /** Units that count tablets: UCUM annotations and the plain words. */
    private static final java.util.Set<String> TABLET_UNITS = java.util.Set.of("tablet", "tablets", "tab", "tabs",
            "{tablet}", "{tablets}", "{tab}", "{tbl}");

    /** Milligrams per tablet when the medication code fixes the strength, else null. */
    public static Double mgPerTablet(org.hl7.fhir.r4.model.CodeableConcept medication) {
        if (medication == null) {
            return null;
        }
        for (Coding c : medication.getCoding()) {
            if (RXNORM.equals(c.getSystem()) && c.hasCode() && MG_PER_TABLET.containsKey(c.getCode())) {
                return MG_PER_TABLET.get(c.getCode());
            }
        }
        return null;
    }

    public static Result weekly(List<Dosage> dosages) {
        return weekly(dosages, null);
    }

    /**
     * @param mgPerTablet the strength of one tablet when the product code fixes it, else null
     *                    (then a dose in tablets has no mass and gives no weekly dose)
     */
    public static Result weekly(List<Dosage> dosages, Double mgPerTablet) {
        if (dosages == null || dosages.isEmpty()) {
            return Result.problem("no dosage");
        }
        if (dosages.stream().map(d -> d.hasSequence() ? d.getSequence() : 0).distinct().count() > 1) {
            return Result.problem("dosage given in sequential phases");
        }
        double total = 0;
        List<String> reported = new ArrayList<>();
        for (Dosage d : dosages) {
            Result line = line(d, mgPerTablet);
            if (line.dose == null) {
                return line;
            }
            total += line.dose.mgPerWeek();
            reported.add(line.dose.reported());
        }
        return new Result(new WeeklyDose(total, String.join(" + ", reported)), null);
    }

    private static Result line(Dosage d, Double mgPerTablet) {
        // Boolean.TRUE.equals: an asNeededBoolean may carry only an extension and no value
        if (d.hasAsNeededBooleanType() && Boolean.TRUE.equals(d.getAsNeededBooleanType().getValue())
                || d.hasAsNeededCodeableConcept()) {
            return Result.problem("taken as needed");
        }
        Quantity q = null;
        for (Dosage.DosageDoseAndRateComponent dr : d.getDoseAndRate()) {
            if (dr.hasDoseQuantity()) {
                q = dr.getDoseQuantity();
                break;
            }
        }
        Double amount = Units.valueOf(q);
        if (amount == null) {
            return Result.problem("no dose quantity");
        }
        String unit = Units.unitOf(q);
        Double mgPer = Units.milligrams(unit);
        if (mgPer == null && mgPerTablet != null && unit != null
                && TABLET_UNITS.contains(unit.trim().toLowerCase(java.util.Locale.ROOT))) {
            mgPer = mgPerTablet;
        }
        if (mgPer == null) {
            return Result.problem("dose unit '" + (unit == null ? "" : unit) + "' is not a mass unit");
        }
        double mg = amount * mgPer;
        Double perWeek = perWeek(d.getTiming());
        if (perWeek == null) {
            return Result.problem("unknown timing");
        }
        String text = format(mg) + " mg " + schedule(perWeek);
        return new Result(new WeeklyDose(mg * perWeek, text), null);
    }

    /** A schedule as a prescriber writes it: "daily", "twice weekly"; "x 3.5/week" where no word fits. */
    static String schedule(double perWeek) {
        if (perWeek == 7) {
            return "daily";
        }
        if (perWeek == 14) {
            return "twice daily";
        }
        if (perWeek == 1) {
            return "once weekly";
        }
        if (perWeek == 2) {
            return "twice weekly";
        }
        if (perWeek == 3) {
            return "three times weekly";
        }
        return "x " + format(perWeek) + "/week";
    }

    /** Administrations per week, or null when the timing does not say. */
    static Double perWeek(Timing timing) {
        if (timing == null) {
            return null;
        }
        if (timing.hasRepeat()) {
            Timing.TimingRepeatComponent r = timing.getRepeat();
            // read the elements' values: an element may carry only an extension and no value
            Integer frequencyValue = r.getFrequencyElement().getValue();
            int frequency = frequencyValue != null ? frequencyValue : 1;
            if (r.getPeriodElement().getValue() != null && r.hasPeriodUnit()) {
                Double unitDays = days(r.getPeriodUnit());
                double period = r.getPeriodElement().getValue().doubleValue();
                if (unitDays != null && period > 0) {
                    double perWeek = frequency * 7.0 / (period * unitDays);
                    // "once a day, on Monday and Thursday": the days of the week limit the frequency
                    if (r.hasDayOfWeek() && unitDays == 1.0 && period == 1.0) {
                        perWeek = frequency * r.getDayOfWeek().size();
                    }
                    return perWeek;
                }
                return null;
            }
            if (r.hasDayOfWeek()) {
                return (double) frequency * r.getDayOfWeek().size();
            }
        }
        if (timing.hasCode()) {
            for (Coding c : timing.getCode().getCoding()) {
                if ((!c.hasSystem() || GTS_SYSTEMS.contains(c.getSystem())) && c.hasCode() && CODES.containsKey(c.getCode())) {
                    return CODES.get(c.getCode());
                }
            }
            // a code sent as text only ("BID"): the abbreviation itself, exactly, nothing fuzzier
            String text = timing.getCode().getText();
            if (!timing.getCode().hasCoding() && text != null && CODES.containsKey(text.trim().toUpperCase(java.util.Locale.ROOT))) {
                return CODES.get(text.trim().toUpperCase(java.util.Locale.ROOT));
            }
        }
        return null;
    }

    private static Double days(Timing.UnitsOfTime unit) {
        return switch (unit) {
            case S -> 1.0 / 86400;
            case MIN -> 1.0 / 1440;
            case H -> 1.0 / 24;
            case D -> 1.0;
            case WK -> 7.0;
            case MO -> DAYS_PER_MONTH;
            case A -> 365.25;
            default -> null;
        };
    }
}
