package org.e2guard.engine;

import static org.e2guard.timeline.Numbers.format;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.Numbers;

/** E1-E4: estradiol suppression in men on an aromatase inhibitor (RULES.md §4). */
final class EstradiolRules {
    /** pg/mL to pmol/L, for thresholds stated in both units. */
    static final double PMOL_PER_PG = 3.671;

    private EstradiolRules() {
    }

    static void apply(Situation s, List<Finding> out) {
        if (!s.male() || s.ai == null) {
            return;
        }
        RuleParameters p = s.p;
        List<LabResult> all = s.labs(LabConcept.ESTRADIOL);
        List<LabResult> onAi = all.stream().filter(l -> s.ai.contains(l.time())).toList();

        if (!onAi.isEmpty()) {
            LabResult latest = onAi.get(onAi.size() - 1);
            Finding persistent = onAi.size() >= 2 ? persistent(s, onAi.get(onAi.size() - 2), latest) : null;
            if (persistent != null) {
                out.add(persistent);
            } else if (latest.canonical().certainlyBelow(p.estradiolSuppressedBelow())) {
                out.add(suppressed(s, latest));
            } else if (latest.canonical().certainlyWithin(p.estradiolSuppressedBelow(), p.estradiolBorderlineBelow())) {
                out.add(borderline(s, latest));
            } else if (!latest.canonical().isExact()
                    && !latest.canonical().certainlyAtLeast(p.estradiolBorderlineBelow())) {
                s.notice(latest.ref(), "Estradiol reported as " + latest.reported()
                        + " is a bound that settles neither E1 nor E2; a sensitive (LC-MS/MS) estradiol assay is needed to judge it.");
            }
        }
        notMonitored(s, all).ifPresent(out::add);
    }

    private static Finding suppressed(Situation s, LabResult e2) {
        RuleParameters p = s.p;
        Severity sev = e2.canonical().certainlyBelow(p.estradiolSevereBelow()) ? Severity.HIGH : Severity.MODERATE;
        FindingBuilder b = s.finding(Rule.E1, sev)
                .summary("Estradiol " + e2.readable(thresholds(p)) + ", " + Situation.date(e2.time()) + ", on " + s.aiName()
                        + ": below the bone-protective threshold of " + format(p.estradiolSuppressedBelow()) + " pg/mL")
                .value("Latest estradiol on the aromatase inhibitor", e2, thresholds(p))
                .threshold("estradiol < " + pg(p.estradiolSuppressedBelow()) + "; high severity if < "
                        + pg(p.estradiolSevereBelow()))
                .window(s.ai.start(), s.asOf, "since the start of the current aromatase inhibitor run");
        if (sev == Severity.MODERATE && !e2.canonical().isExact()) {
            b.note("The result is an upper bound; the true value may be lower than the severity suggests.");
        }
        return common(s, b, List.of(e2)).build();
    }

    private static Finding borderline(Situation s, LabResult e2) {
        RuleParameters p = s.p;
        FindingBuilder b = s.finding(Rule.E2, Severity.LOW)
                .summary("Estradiol " + e2.readable(thresholds(p)) + ", " + Situation.date(e2.time()) + ", on " + s.aiName()
                        + ": borderline-low (" + format(p.estradiolSuppressedBelow()) + "-" + format(p.estradiolBorderlineBelow())
                        + " pg/mL)")
                .value("Latest estradiol on the aromatase inhibitor", e2, thresholds(p))
                .threshold("estradiol >= " + pg(p.estradiolSuppressedBelow()) + " and < " + pg(p.estradiolBorderlineBelow()))
                .window(s.ai.start(), s.asOf, "since the start of the current aromatase inhibitor run");
        return common(s, b, List.of(e2)).build();
    }

    private static Finding persistent(Situation s, LabResult previous, LabResult latest) {
        RuleParameters p = s.p;
        double below = p.estradiolSuppressedBelow();
        long daysApart = Duration.between(previous.time(), latest.time()).toDays();
        if (!previous.canonical().certainlyBelow(below) || !latest.canonical().certainlyBelow(below)
                || daysApart < p.persistentMinDaysApart()) {
            return null;
        }
        FindingBuilder b = s.finding(Rule.E3, Severity.HIGH)
                .summary("Estradiol below " + format(below) + " pg/mL on two results " + daysApart + " days apart ("
                        + Situation.date(previous.time()) + ", " + Situation.date(latest.time()) + ") on " + s.aiName()
                        + ": persistently suppressed")
                .value("Previous estradiol on the aromatase inhibitor", previous, thresholds(p))
                .value("Latest estradiol on the aromatase inhibitor", latest, thresholds(p))
                .threshold("two newest estradiol results both < " + pg(below) + ", at least "
                        + p.persistentMinDaysApart() + " days apart, on continuous aromatase inhibitor exposure")
                .window(previous.time(), latest.time(), daysApart + " days between the two results");
        return common(s, b, List.of(previous, latest)).build();
    }

    /** The thresholds a shown estradiol figure must not be rounded across. */
    private static double[] thresholds(RuleParameters p) {
        return new double[] {p.estradiolSevereBelow(), p.estradiolSuppressedBelow(), p.estradiolBorderlineBelow()};
    }

    /**
     * Shared by E1-E3: assay caveats, symptoms, actions and sources. Without testosterone therapy the
     * AI is not the lever (RULES.md 1.2 §5): no dose review, and the detail says why.
     */
    private static FindingBuilder common(Situation s, FindingBuilder b, List<LabResult> deciding) {
        b.implicated(s.aiRefs())
                .actions(s.tableActions(b.rule(), b.severity()))
                .sources(Source.KHOSLA_RIGGS, Source.BURNETT_BOWIE_2009);
        if (s.onTrt()) {
            b.sources(Source.DOSING);
        } else {
            b.note(BoneRules.capitalised(s.withoutTrt() + "where the aromatase inhibitor treats breast cancer, "
                    + "estradiol suppression is its intended effect and no reason to change it."));
        }
        for (LabResult e2 : deciding) {
            if (!e2.sensitive() && e2.canonical().certainlyBelow(s.p.estradiolSuppressedBelow())) {
                b.note("Standard immunoassays are unreliable at male concentrations; confirm with a sensitive (LC-MS/MS) estradiol assay.");
                b.actions(Action.ORDER_SENSITIVE_ESTRADIOL);
            }
        }
        List<ClinicalContext> symptoms = s.context(ClinicalContext.Kind.SYMPTOM);
        if (!symptoms.isEmpty()) {
            b.note("Symptoms compatible with low estradiol on record: "
                    + String.join(", ", symptoms.stream().map(ClinicalContext::label).distinct().toList()) + ".");
            symptoms.forEach(c -> b.evidence(c.ref()));
        }
        s.noteNameMatches(b);
        return b;
    }

    private static java.util.Optional<Finding> notMonitored(Situation s, List<LabResult> all) {
        RuleParameters p = s.p;
        if (s.ai.daysSinceStart(s.asOf) < p.monitoringMinDaysOnAi()) {
            return java.util.Optional.empty();
        }
        Instant recheckFrom = s.daysBefore(s.asOf, p.estradiolRecheckDays());
        Instant since = recheckFrom.isAfter(s.ai.start()) ? recheckFrom : s.ai.start();
        boolean monitored = all.stream().anyMatch(l -> !l.time().isBefore(since));
        if (monitored) {
            return java.util.Optional.empty();
        }
        FindingBuilder b = s.finding(Rule.E4, Severity.MODERATE)
                // "No estradiol since <date 180 days ago>" read as if one had been taken on that date
                .summary((since.equals(s.ai.start()) ? "No estradiol since " + s.aiName() + " started"
                        : "No estradiol in the last " + p.estradiolRecheckDays() + " days"
                                + (all.isEmpty() ? "" : " (latest " + Situation.date(all.get(all.size() - 1).time()) + ")"))
                        + "; " + s.aiRun())
                .threshold("on the aromatase inhibitor >= " + p.monitoringMinDaysOnAi()
                        + " days and no estradiol in the last " + p.estradiolRecheckDays()
                        + " days or since the aromatase inhibitor started")
                .window(since, s.asOf, "last " + p.estradiolRecheckDays()
                        + " days, and not before the aromatase inhibitor started")
                .implicated(s.aiRefs())
                .actions(s.tableActions(Rule.E4, Severity.MODERATE))
                .sources(Source.KHOSLA_RIGGS, Source.MONITORING);
        if (!all.isEmpty()) {
            LabResult last = all.get(all.size() - 1);
            b.value("Most recent estradiol (outside the window)", last);
        }
        s.noteNameMatches(b);
        return java.util.Optional.of(b.build());
    }

    static String pg(double pgPerMl) {
        // the converted figure to one decimal, as RULES.md writes it: "20 pg/mL (73.4 pmol/L)", not 73.42
        return format(pgPerMl) + " pg/mL (" + Numbers.rounded(pgPerMl * PMOL_PER_PG, 1) + " pmol/L)";
    }
}
