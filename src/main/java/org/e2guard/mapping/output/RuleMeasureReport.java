package org.e2guard.mapping.output;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.e2guard.engine.Rule;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupComponent;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupPopulationComponent;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupStratifierComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupPopulationComponent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;

/**
 * {@link RuleCounts} as a FHIR R4 {@code MeasureReport} (type {@code summary}) of the measure
 * {@value #MEASURE}, and back: one group per rule (code from e2guard's rule code system) with the
 * populations initial-population (patients evaluated), denominator (patients on an aromatase
 * inhibitor) and numerator (patients with a finding of the rule), the rate per 1,000 of the
 * denominator as its score, and one stratifier per dimension (severity); a last group
 * {@value #ANY_HIGH} counts patients with at least one high-severity finding, scored as a percentage.
 *
 * <p>Reports are read back into counts ({@link #counts}) so that reports of parts of a population
 * merge exactly ({@link #merge}): counts add, scores are recomputed from them.
 */
public final class RuleMeasureReport {
    public static final String MEASURE = Canonical.BASE + "/Measure/alert-burden";
    /** Names the setting (a what-if column) a report was computed under. */
    public static final String SETTING_SYSTEM = Canonical.BASE + "/sid/population-setting";
    public static final String ANY_HIGH = "any-high";
    static final String POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population";
    static final String UCUM = "http://unitsofmeasure.org";

    private RuleMeasureReport() {
    }

    /** The unit of the rates of a population dry run. */
    public static final String PER_1000_ON_AI = "per 1,000 patients on an aromatase inhibitor";
    /** The unit of the rates of the live rule statistics. */
    public static final String PER_1000_EVALUATED = "per 1,000 patients evaluated";
    /** The setting of the live rule statistics' report. */
    public static final String LIVE = "live";

    /** @param setting the name of the rule setting the counts were taken under ("baseline", a what-if column) */
    public static MeasureReport build(RuleCounts counts, String setting, Date start, Date end) {
        return build(counts, setting, start, end, PER_1000_ON_AI);
    }

    /** @param per what the rates are per, as their unit's text ({@link #PER_1000_ON_AI}, {@link #PER_1000_EVALUATED}) */
    public static MeasureReport build(RuleCounts counts, String setting, Date start, Date end, String per) {
        MeasureReport mr = new MeasureReport();
        mr.setStatus(MeasureReport.MeasureReportStatus.COMPLETE);
        mr.setType(MeasureReport.MeasureReportType.SUMMARY);
        mr.setMeasure(MEASURE);
        mr.addIdentifier(new Identifier().setSystem(SETTING_SYSTEM).setValue(setting));
        mr.setDate(end);
        mr.setPeriod(new Period().setStart(start).setEnd(end));
        mr.getReporter().setReference(FindingResources.DEVICE_REF).setDisplay("e2guard");
        for (Rule rule : Rule.values()) {
            RuleCounts.PerRule c = counts.rule(rule);
            MeasureReportGroupComponent g = mr.addGroup();
            g.setId(rule.code());
            g.setCode(FindingResources.code(rule));
            populations(g.getPopulation(), counts, c.patients());
            g.setMeasureScore(per1000(counts, c.patients(), per));
            c.strata().forEach((stratifier, values) -> {
                MeasureReportGroupStratifierComponent s = g.addStratifier();
                s.addCode().setText(stratifier);
                values.forEach((value, n) -> {
                    StratifierGroupComponent stratum = s.addStratum();
                    stratum.getValue().setText(value);
                    stratum.addPopulation().setCode(population("numerator")).setCount(Math.toIntExact(n));
                    stratum.setMeasureScore(per1000(counts, n, per));
                });
            });
        }
        MeasureReportGroupComponent high = mr.addGroup();
        high.setId(ANY_HIGH);
        high.getCode().setText("Patients with at least one high-severity finding");
        populations(high.getPopulation(), counts, counts.withHigh());
        high.setMeasureScore(new Quantity().setValue(round(counts.population() == 0 ? 0
                : counts.withHigh() * 100.0 / counts.population())).setUnit("%").setSystem(UCUM).setCode("%"));
        return mr;
    }

    /** The counts behind a report built by {@link #build}; throws IllegalArgumentException for another report. */
    public static RuleCounts counts(MeasureReport mr) {
        if (!MEASURE.equals(mr.getMeasure())) {
            throw new IllegalArgumentException("not an e2guard alert-burden report: measure " + mr.getMeasure());
        }
        Map<String, MeasureReportGroupComponent> groups = new HashMap<>();
        mr.getGroup().forEach(g -> groups.put(g.getId(), g));
        MeasureReportGroupComponent high = groups.get(ANY_HIGH);
        if (high == null) {
            throw new IllegalArgumentException("report without the " + ANY_HIGH + " group");
        }
        RuleCounts counts = new RuleCounts().set(count(high.getPopulation(), "initial-population"),
                count(high.getPopulation(), "denominator"), count(high.getPopulation(), "numerator"));
        for (Rule rule : Rule.values()) {
            MeasureReportGroupComponent g = groups.get(rule.code());
            if (g == null) {
                continue;
            }
            long total = count(g.getPopulation(), "numerator");
            long stratified = 0;
            for (MeasureReportGroupStratifierComponent s : g.getStratifier()) {
                String stratifier = s.getCodeFirstRep().getText();
                for (StratifierGroupComponent stratum : s.getStratum()) {
                    long n = stratum.getPopulation().stream().filter(p -> isCode(p.getCode(), "numerator"))
                            .mapToLong(StratifierGroupPopulationComponent::getCount).sum();
                    counts.rule(rule).strataAdd(stratifier, stratum.getValue().getText(), n);
                    if (RuleCounts.SEVERITY.equals(stratifier)) {
                        stratified += n;
                    }
                }
            }
            // a rule's patients that no severity stratum holds cannot happen in a report built here
            if (!g.getStratifier().isEmpty() && stratified != total) {
                throw new IllegalArgumentException("group " + rule.code() + ": strata add up to " + stratified
                        + ", the group says " + total);
            }
            counts.rule(rule).patientsAdd(total);
        }
        return counts;
    }

    /**
     * Reports of disjoint parts of one population under one setting, as one report: counts added,
     * rates and the high share recomputed from the sums. The parts must share measure, setting and
     * period.
     */
    public static MeasureReport merge(List<MeasureReport> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        MeasureReport first = parts.get(0);
        String setting = setting(first);
        RuleCounts sum = new RuleCounts();
        for (MeasureReport part : parts) {
            if (!Objects.equals(setting, setting(part))) {
                throw new IllegalArgumentException("cannot merge reports of different settings: " + setting + ", "
                        + setting(part));
            }
            if (!Objects.equals(first.getPeriod().getStart(), part.getPeriod().getStart())
                    || !Objects.equals(first.getPeriod().getEnd(), part.getPeriod().getEnd())) {
                throw new IllegalArgumentException("cannot merge reports of different periods");
            }
            sum.addAll(counts(part));
        }
        return build(sum, setting, first.getPeriod().getStart(), first.getPeriod().getEnd());
    }

    /** The setting a report was computed under (its identifier), or null. */
    public static String setting(MeasureReport mr) {
        return mr.getIdentifier().stream().filter(i -> SETTING_SYSTEM.equals(i.getSystem()))
                .map(Identifier::getValue).findFirst().orElse(null);
    }

    private static void populations(List<MeasureReportGroupPopulationComponent> list, RuleCounts counts, long numerator) {
        list.add(new MeasureReportGroupPopulationComponent().setCode(population("initial-population"))
                .setCount(Math.toIntExact(counts.evaluated())));
        list.add(new MeasureReportGroupPopulationComponent().setCode(population("denominator"))
                .setCount(Math.toIntExact(counts.population())));
        list.add(new MeasureReportGroupPopulationComponent().setCode(population("numerator"))
                .setCount(Math.toIntExact(numerator)));
    }

    private static CodeableConcept population(String code) {
        return new CodeableConcept(new Coding(POPULATION_SYSTEM, code, null));
    }

    private static boolean isCode(CodeableConcept cc, String code) {
        return cc.getCoding().stream().anyMatch(c -> POPULATION_SYSTEM.equals(c.getSystem()) && code.equals(c.getCode()));
    }

    private static long count(List<MeasureReportGroupPopulationComponent> list, String code) {
        return list.stream().filter(p -> isCode(p.getCode(), code)).mapToLong(MeasureReportGroupPopulationComponent::getCount)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no " + code + " population"));
    }

    private static Quantity per1000(RuleCounts counts, long n, String per) {
        return new Quantity().setValue(round(counts.per1000(n))).setUnit(per)
                .setSystem(UCUM).setCode("/10*3");
    }

    private static BigDecimal round(double v) {
        return BigDecimal.valueOf(v).setScale(1, RoundingMode.HALF_UP);
    }
}
