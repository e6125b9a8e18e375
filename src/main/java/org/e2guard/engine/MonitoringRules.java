package org.e2guard.engine;

import static org.e2guard.timeline.Numbers.format;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.Numbers;
import org.e2guard.timeline.Timed;

/** M1-M4: monitoring gaps in anyone on an aromatase inhibitor (RULES.md §4). */
final class MonitoringRules {
    private MonitoringRules() {
    }

    static void apply(Situation s, List<Finding> out) {
        if (s.ai == null) {
            return;
        }
        dxa(s, out);
        vitaminDCalcium(s, out);
        vitaminDLow(s, out);
    }

    private static void dxa(Situation s, List<Finding> out) {
        RuleParameters p = s.p;
        Timed newestDxa = s.newestDxa();
        LocalDate newest = newestDxa == null ? null : Situation.dateOf(newestDxa);
        Instant baselineFrom = s.monthsBefore(s.ai.start(), p.baselineMonthsBeforeAi());
        long daysOnAi = s.ai.daysSinceStart(s.asOf);
        boolean baseline = s.dxaSince(baselineFrom);
        if (daysOnAi >= p.monitoringMinDaysOnAi() && !baseline) {
            FindingBuilder b = s.finding(Rule.M1, Severity.MODERATE)
                    .summary("No baseline DXA: " + s.aiRun() + "; no DXA since " + Situation.date(baselineFrom))
                    .threshold("on the aromatase inhibitor >= " + p.monitoringMinDaysOnAi() + " days and no DXA from "
                            + p.baselineMonthsBeforeAi() + " months before its start onward")
                    .window(baselineFrom, s.asOf, "from " + p.baselineMonthsBeforeAi()
                            + " months before the aromatase inhibitor started")
                    .actions(s.tableActions(Rule.M1, Severity.MODERATE))
                    .sources(Source.MONITORING, Source.EASTELL_2008_ATAC, Source.BURNETT_BOWIE_2009);
            if (newest != null) {
                b.note("The newest DXA (" + newest + ") is older than the baseline window.");
            }
            out.add(BoneRules.bone(s, b).build());
        }
        if (newest == null) {
            return;
        }
        Instant dueBy = s.monthsBefore(s.asOf, p.dxaOverdueMonths());
        if (newestDxa.time().isBefore(dueBy)) {
            FindingBuilder b = s.finding(Rule.M2, Severity.MODERATE)
                    .summary("Newest DXA " + newest + ", more than " + p.dxaOverdueMonths() + " months ago; "
                            + s.aiRun())
                    .threshold("newest DXA older than " + p.dxaOverdueMonths() + " months")
                    .window(dueBy, s.asOf, "last " + p.dxaOverdueMonths() + " months")
                    .actions(s.tableActions(Rule.M2, Severity.MODERATE))
                    .sources(Source.MONITORING, Source.EASTELL_2008_ATAC);
            s.dxaRefsOn(newest).forEach(b::evidence);
            out.add(BoneRules.bone(s, b).build());
        }
    }

    private static void vitaminDCalcium(Situation s, List<Finding> out) {
        RuleParameters p = s.p;
        Instant since = s.monthsBefore(s.asOf, p.vitaminDCalciumMonths());
        List<String> missing = new ArrayList<>();
        List<Action> actions = new ArrayList<>();
        if (s.labs(LabConcept.VITAMIN_D).stream().noneMatch(l -> !l.time().isBefore(since))) {
            missing.add("25-OH vitamin D");
            actions.add(Action.ORDER_VITAMIN_D);
        }
        if (s.labs(LabConcept.CALCIUM).stream().noneMatch(l -> !l.time().isBefore(since))) {
            missing.add("calcium");
            actions.add(Action.ORDER_CALCIUM);
        }
        if (missing.isEmpty()) {
            return;
        }
        String what = String.join(" or ", missing);
        FindingBuilder b = s.finding(Rule.M3, Severity.LOW)
                // "since <the date 12 months ago>" read as if a test had been done that day
                .summary("No " + what + " in the last " + p.vitaminDCalciumMonths() + " months; " + s.aiRun())
                .threshold("no 25-OH vitamin D or no calcium (serum or blood) in the last " + p.vitaminDCalciumMonths() + " months")
                .window(since, s.asOf, "last " + p.vitaminDCalciumMonths() + " months")
                .actions(actions)
                .actions(s.tableActions(Rule.M3, Severity.LOW))
                .sources(Source.MONITORING);
        for (LabConcept c : List.of(LabConcept.VITAMIN_D, LabConcept.CALCIUM)) {
            LabResult last = s.latest(c);
            if (last != null && last.time().isBefore(since)) {
                b.value("Most recent " + c.label() + " (outside the window)", last);
            }
        }
        out.add(BoneRules.bone(s, b).build());
    }

    private static void vitaminDLow(Situation s, List<Finding> out) {
        RuleParameters p = s.p;
        LabResult vitD = s.latest(LabConcept.VITAMIN_D);
        if (vitD == null) {
            return;
        }
        Severity sev;
        if (vitD.canonical().certainlyBelow(p.vitaminDDeficientBelow())) {
            sev = Severity.MODERATE;
        } else if (vitD.canonical().certainlyWithin(p.vitaminDDeficientBelow(), p.vitaminDInsufficientBelow())) {
            sev = Severity.LOW;
        } else {
            if (!vitD.canonical().isExact() && !vitD.canonical().certainlyAtLeast(p.vitaminDInsufficientBelow())) {
                s.notice(vitD.ref(), "25-OH vitamin D reported as " + vitD.reported()
                        + " is a bound that does not settle M4.");
            }
            return;
        }
        FindingBuilder b = s.finding(Rule.M4, sev)
                .summary("25-OH vitamin D " + vitD.readable(p.vitaminDDeficientBelow(), p.vitaminDInsufficientBelow())
                        + ", " + Situation.date(vitD.time()) + ": " + (sev == Severity.MODERATE ? "deficient" : "insufficient")
                        + "; " + s.aiRun())
                .value("Latest 25-OH vitamin D", vitD, p.vitaminDDeficientBelow(), p.vitaminDInsufficientBelow())
                .threshold("25-OH vitamin D < " + format(p.vitaminDDeficientBelow()) + " ng/mL ("
                        + org.e2guard.timeline.Numbers.rounded(p.vitaminDDeficientBelow() * 2.496, 0) + " nmol/L): moderate; "
                        + format(p.vitaminDDeficientBelow()) + " to < " + format(p.vitaminDInsufficientBelow())
                        + " ng/mL: low")
                .actions(s.tableActions(Rule.M4, sev))
                .sources(Source.MONITORING);
        if (vitD.proxy()) {
            // the proxy value set holds several codes (1989-3, 14635-7, ...) and the result carries none of them
            b.note("Measured as 25-OH vitamin D3 only, used as a proxy for total 25-OH vitamin D.");
        }
        out.add(BoneRules.bone(s, b).build());
    }
}
