package org.e2guard.engine;

import static org.e2guard.timeline.Numbers.format;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DxaResult.Kind;
import org.e2guard.timeline.DxaResult.Region;
import org.e2guard.timeline.DxaResult.Site;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.Numbers;

/** B1-B3: bone density in anyone on an aromatase inhibitor (RULES.md §4). */
final class BoneRules {
    /** Loss percentages are compared after rounding away floating-point noise (1.1 to 1.067 is 3.0 %). */
    private static final double EPSILON = 1e-9;

    private BoneRules() {
    }

    static void apply(Situation s, List<Finding> out) {
        if (s.ai == null || s.dxa().isEmpty()) {
            return;
        }
        classify(s, out);
        decline(s, out);
    }

    private static void classify(Situation s, List<Finding> out) {
        RuleParameters p = s.p;
        LocalDate newest = s.newestDxaResultDate();
        List<DxaResult> scan = s.dxa().stream().filter(d -> d.date().equals(newest)).toList();
        Integer age = s.ageOn(newest);
        boolean useT = age == null || age >= p.tScoreMinAge();
        Kind kind = useT ? Kind.T_SCORE : Kind.Z_SCORE;
        DxaResult lowest = scan.stream().filter(d -> d.kind() == kind)
                .min(Comparator.comparingDouble(DxaResult::value)).orElse(null);
        if (lowest == null) {
            if (scan.stream().anyMatch(d -> d.kind() != Kind.BMD)) {
                s.notice(scan.get(0).ref(), "The newest DXA has no " + (useT ? "T-score" : "Z-score")
                        + (age == null ? "" : " (the patient was " + age + " on the scan date)")
                        + "; B1/B2 were not judged.");
            }
            return;
        }
        if (age == null) {
            s.notice(s.record.patientRef(), "Birth date unknown: the T-score was used as for a patient aged "
                    + p.tScoreMinAge() + " or more.");
        }
        String score = useT ? "T-score" : "Z-score";
        String label = "Lowest " + score + " of the newest DXA (" + lowest.site().label() + ")";
        // a person writes a score to one decimal; never rounded onto the other side of a threshold
        String shown = score + " " + Numbers.rounded(lowest.value(), 1, useT
                ? new double[] {p.tScoreOsteoporosisAtOrBelow(), p.tScoreOsteopeniaBelow()}
                : new double[] {p.zScoreLowAtOrBelow()});
        String measured = "DXA " + shown + " (" + lowest.site().label() + "), " + newest + ", " + s.relativeToAi(newest);
        FindingBuilder b;
        Rule rule = Rule.B1;
        if (useT && lowest.value() <= p.tScoreOsteoporosisAtOrBelow()) {
            b = s.finding(Rule.B1, Severity.HIGH)
                    .summary(measured + ": osteoporosis range")
                    .threshold("lowest T-score <= " + format(p.tScoreOsteoporosisAtOrBelow()) + " (WHO), age >= "
                            + p.tScoreMinAge() + " on the scan date")
                    .sources(Source.WHO_1994, Source.EASTELL_2008_ATAC, Source.BURNETT_BOWIE_2009);
        } else if (!useT && lowest.value() <= p.zScoreLowAtOrBelow()) {
            b = s.finding(Rule.B1, Severity.HIGH)
                    .summary(measured + ": below the expected range for age")
                    .threshold("lowest Z-score <= " + format(p.zScoreLowAtOrBelow()) + " (ISCD), age < "
                            + p.tScoreMinAge() + " on the scan date")
                    .sources(Source.ISCD, Source.EASTELL_2008_ATAC, Source.BURNETT_BOWIE_2009);
        } else if (useT && lowest.value() < p.tScoreOsteopeniaBelow()) {
            rule = Rule.B2;
            b = s.finding(Rule.B2, Severity.MODERATE)
                    .summary(measured + ": osteopenia range")
                    .threshold("lowest T-score > " + format(p.tScoreOsteoporosisAtOrBelow()) + " and < "
                            + format(p.tScoreOsteopeniaBelow()) + " (WHO)")
                    .sources(Source.WHO_1994, Source.EASTELL_2008_ATAC, Source.BURNETT_BOWIE_2009);
        } else {
            return;
        }
        Instant scanTime = newest.atStartOfDay(ZoneOffset.UTC).toInstant();
        b.value(label, lowest).window(scanTime, scanTime, "newest DXA, " + newest);
        scan.stream().filter(d -> d.kind() == kind && d != lowest).forEach(d -> b.value(score + " (" + d.site().label() + ")", d));
        if (newest.isBefore(s.aiStartDate())) {
            b.note("This DXA (" + newest + ") was taken before " + s.aiName() + " started ("
                    + Situation.date(s.ai.start()) + "): it shows the bone density the patient started with.");
        }
        List<ClinicalContext> fractures = s.context(ClinicalContext.Kind.FRAGILITY_FRACTURE);
        if (rule == Rule.B1 && !fractures.isEmpty()) {
            b.note("A fragility fracture is on record: this is severe osteoporosis.");
            fractures.forEach(f -> b.evidence(f.ref()));
        }
        treatment(s, b, rule, b.severity());
        out.add(bone(s, b).build());
    }

    /**
     * The action table's recommendations (RULES.md 1.2 §5) and, without testosterone therapy, what
     * the table asks the detail to say: the AI is treated alongside, not reviewed.
     */
    private static void treatment(Situation s, FindingBuilder b, Rule rule, Severity severity) {
        b.actions(s.tableActions(rule, severity));
        if (s.onTrt()) {
            return;
        }
        boolean serious = rule == Rule.B1 || severity == Severity.HIGH;
        if (serious) {
            b.note(capitalised(s.withoutTrt() + "where the aromatase inhibitor treats breast cancer it continues, "
                    + "and bone loss is treated alongside it: assess fracture risk and consider a bisphosphonate or "
                    + "denosumab (Hadji 2017; Coleman 2020)."));
        } else {
            b.note(capitalised(s.withoutTrt() + "where the aromatase inhibitor treats breast cancer it continues. "
                    + "Assess fracture risk (e.g. FRAX with the femoral neck T-score): bone-modifying therapy is advised "
                    + "on an aromatase inhibitor from a T-score below -2.0 or with two or more clinical risk factors "
                    + "(Coleman 2020)."));
        }
        b.sources(Source.HADJI_2017, Source.COLEMAN_2020_ESMO);
    }

    private static void decline(Situation s, List<Finding> out) {
        RuleParameters p = s.p;
        Instant baselineFrom = s.monthsBefore(s.ai.start(), p.baselineMonthsBeforeAi());
        Map<Site, List<DxaResult>> bySite = new LinkedHashMap<>();
        s.dxa().stream().filter(d -> d.kind() == Kind.BMD && d.site().region().trended())
                .forEach(d -> bySite.computeIfAbsent(d.site(), k -> new ArrayList<>()).add(d));
        FindingBuilder b = null;
        for (Map.Entry<Site, List<DxaResult>> site : bySite.entrySet()) {
            List<DxaResult> series = site.getValue();
            DxaResult newest = series.get(series.size() - 1);
            DxaResult baseline = series.stream().filter(d -> !d.time().isBefore(baselineFrom)).findFirst().orElse(null);
            // the previous scan at the site: a result filed twice on the newest date is the same scan
            DxaResult previous = series.stream().filter(d -> d.date().isBefore(newest.date()))
                    .reduce((a, later) -> later).orElse(null);
            for (DxaResult reference : nonNull(baseline, previous == baseline ? null : previous)) {
                if (!reference.date().isBefore(newest.date())) {
                    continue;
                }
                double lossPercent = (reference.value() - newest.value()) / reference.value() * 100.0;
                double lsc = lsc(p, site.getKey().region());
                if (lossPercent + EPSILON < lsc) {
                    continue;
                }
                double years = ChronoUnit.DAYS.between(reference.date(), newest.date()) / 365.25;
                double perYear = lossPercent / years;
                Severity sev = site.getKey().region() == Region.LUMBAR_SPINE
                        && perYear + EPSILON >= p.fastSpineLossPercentPerYear() ? Severity.HIGH : Severity.MODERATE;
                if (b == null) {
                    b = s.finding(Rule.B3, sev);
                } else {
                    b.atLeast(sev);
                }
                String which = reference == baseline ? "baseline" : "previous";
                // one decimal, as a person writes a percentage, never rounded onto a threshold it is not on
                String loss = Numbers.rounded(lossPercent, 1, lsc);
                String rate = Numbers.rounded(perYear, 1, p.fastSpineLossPercentPerYear());
                b.value("BMD " + site.getKey().label() + ", " + which + " (" + reference.date() + ")", reference)
                        .value("BMD " + site.getKey().label() + ", newest (" + newest.date() + "), -"
                                + loss + " % vs " + which + ", " + rate + " %/year", newest);
                if (b.severity() == sev) {
                    // over about a year the loss and its yearly rate are one figure: "4.8 % (4.8 %/year)" said it twice
                    b.summary("BMD " + site.getKey().label() + " down " + loss
                            + (loss.equals(rate) ? " % in about a year" : " % (" + rate + " %/year)") + " to "
                            + newest.date() + ", " + s.relativeToAi(newest.date()) + ": beyond the least significant change");
                }
                b.window(reference.time(), newest.time(), which + " to newest DXA at " + site.getKey().label());
            }
        }
        if (b == null) {
            return;
        }
        b.threshold("BMD loss >= least significant change: lumbar spine " + format(p.lscLumbarSpinePercent())
                        + " %, total hip " + format(p.lscTotalHipPercent()) + " %, femur/femoral neck "
                        + format(p.lscFemurPercent()) + " %; high if lumbar spine loss >= "
                        + format(p.fastSpineLossPercentPerYear()) + " %/year")
                .sources(Source.BURNETT_BOWIE_2009, Source.EASTELL_2008_ATAC, Source.ISCD);
        treatment(s, b, Rule.B3, b.severity());
        out.add(bone(s, b).build());
    }

    private static List<DxaResult> nonNull(DxaResult a, DxaResult b) {
        List<DxaResult> l = new ArrayList<>(2);
        if (a != null) {
            l.add(a);
        }
        if (b != null) {
            l.add(b);
        }
        return l;
    }

    private static double lsc(RuleParameters p, Region region) {
        return switch (region) {
            case LUMBAR_SPINE -> p.lscLumbarSpinePercent();
            case TOTAL_HIP -> p.lscTotalHipPercent();
            case FEMUR -> p.lscFemurPercent();
            case FOREARM -> throw new IllegalArgumentException("B3 does not compare the forearm");
        };
    }

    /** Bone-health context shared by the B- and M-rules (RULES.md §4, "Context"). */
    static FindingBuilder bone(Situation s, FindingBuilder b) {
        b.implicated(s.aiRefs());
        for (ClinicalContext.Kind kind : List.of(ClinicalContext.Kind.FRAGILITY_FRACTURE,
                ClinicalContext.Kind.SMOKING, ClinicalContext.Kind.ALCOHOL_EXCESS)) {
            List<ClinicalContext> facts = s.context(kind);
            if (!facts.isEmpty()) {
                b.note("Risk factor on record: " + String.join(", ", facts.stream().map(ClinicalContext::label).distinct().toList()) + ".");
                facts.forEach(f -> b.evidence(f.ref()));
            }
        }
        s.record.exposures(org.e2guard.timeline.Ingredient.DrugClass.GLUCOCORTICOID).stream()
                .filter(e -> e.current() && !e.start().isAfter(s.asOf)).findFirst().ifPresent(g -> {
                    b.note("Risk factor on record: long-term glucocorticoid therapy.");
                    b.evidence(g.ref());
                });
        for (ClinicalContext.Kind kind : List.of(ClinicalContext.Kind.OSTEOPOROSIS_DIAGNOSIS,
                ClinicalContext.Kind.OSTEOPENIA_DIAGNOSIS)) {
            for (ClinicalContext d : s.context(kind)) {
                b.note("Known diagnosis: " + diagnosis(d) + ".");
                b.evidence(d.ref());
            }
        }
        Integer age = s.ageNow();
        if (age != null && age >= s.p.contextAgeAtOrAbove()) {
            b.note("Risk factor: age " + s.p.contextAgeAtOrAbove() + " or more.");
        }
        var ctx = s.latest(org.e2guard.timeline.LabConcept.CTX);
        var p1np = s.latest(org.e2guard.timeline.LabConcept.P1NP);
        if (ctx != null && ctx.high()) {
            b.note("Elevated CTX (" + ctx.reported() + ") supports increased bone resorption.");
            b.evidence(ctx.ref());
        } else if ((ctx != null && !ctx.high()) || (p1np != null && !p1np.high())) {
            b.note("Bone turnover markers within range do not lower this finding: in men on aromatase inhibitors BMD fell while markers stayed flat (Burnett-Bowie 2009).");
        }
        s.noteNameMatches(b);
        return b;
    }

    /** RULES.md 1.2 §4: "osteoporosis diagnosed 2010-04-02", by the Condition's own dates. */
    private static String diagnosis(ClinicalContext d) {
        String what = d.kind() == ClinicalContext.Kind.OSTEOPOROSIS_DIAGNOSIS ? "osteoporosis" : "osteopenia";
        if (d.time() == null) {
            return what + " on record (no date given)";
        }
        return d.onsetDated() ? what + " diagnosed " + Situation.date(d.time())
                : what + " on record since " + Situation.date(d.time()) + " (recorded date)";
    }

    static String capitalised(String sentence) {
        return sentence.isEmpty() ? sentence : Character.toUpperCase(sentence.charAt(0)) + sentence.substring(1);
    }
}
