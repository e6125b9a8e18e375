package org.e2guard.engine;

import static org.e2guard.timeline.Numbers.format;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.timeline.DraftOrder;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.Numbers;

/** O1: an aromatase inhibitor being ordered (CDS Hooks order-select / order-sign), RULES.md §4. */
final class OrderRule {
    private OrderRule() {
    }

    static void apply(Situation s, DraftOrder order, List<Finding> out) {
        if (order == null || order.ingredient().drugClass() != Ingredient.DrugClass.AROMATASE_INHIBITOR) {
            return;
        }
        RuleParameters p = s.p;
        FindingBuilder b = s.finding(Rule.O1, Severity.LOW).implicated(List.of(order.ref()));
        List<String> reasons = new ArrayList<>();
        boolean fired = false;
        if (s.male()) {
            LabResult e2 = s.latest(LabConcept.ESTRADIOL);
            Instant recent = s.daysBefore(s.asOf, p.estradiolRecheckDays());
            if (e2 != null && e2.canonical().certainlyBelow(p.estradiolSuppressedBelow())) {
                fired = true;
                b.atLeast(Severity.HIGH).value("Latest estradiol", e2, p.estradiolSuppressedBelow());
                reasons.add("estradiol already below the bone-protective threshold");
                b.note("Latest estradiol " + e2.readable(p.estradiolSuppressedBelow()) + " (" + Situation.date(e2.time()) + ") is already below "
                        + EstradiolRules.pg(p.estradiolSuppressedBelow()) + ".");
            } else if (e2 != null && e2.canonical().certainlyWithin(p.estradiolSuppressedBelow(), p.orderEstradiolWarningBelow())) {
                fired = true;
                b.atLeast(Severity.MODERATE).value("Latest estradiol", e2, p.estradiolSuppressedBelow(), p.orderEstradiolWarningBelow());
                reasons.add("estradiol " + e2.readable(p.estradiolSuppressedBelow(), p.orderEstradiolWarningBelow())
                        + ", at the low end of the target range");
            }
            if (e2 == null || e2.time().isBefore(recent)) {
                fired = true;
                b.atLeast(Severity.MODERATE).actions(Action.ORDER_SENSITIVE_ESTRADIOL);
                reasons.add("no estradiol in the last " + p.estradiolRecheckDays() + " days");
                b.note("Order a sensitive (LC-MS/MS) estradiol before starting or increasing the aromatase inhibitor.");
            }
        }
        if (!s.anyDxa()) {
            fired = true;
            b.actions(Action.ORDER_DXA);
            reasons.add("no DXA on record");
            b.note("No DXA on record: order a baseline DXA.");
        }
        if (order.ingredient() == Ingredient.ANASTROZOLE && s.male() && s.trt != null) {
            if (order.dose() == null) {
                s.notice(order.ref(), "Weekly dose of the draft order unknown: D1 not judged for it.");
            } else {
                Severity d1 = DoseRules.severity(p, order.dose());
                if (d1 != null) {
                    fired = true;
                    b.atLeast(d1).value("Draft weekly dose", order.dose().reported(),
                            format(order.dose().mgPerWeek()) + " mg/week", order.ref());
                    reasons.add("ordered dose " + format(order.dose().mgPerWeek()) + " mg/week above the typical range");
                    DoseRules.describe(p, b);
                    b.note("Suggested: " + format(p.suggestedDoseMg()) + " mg " + timesPerWeek(p.suggestedDosesPerWeek())
                            + " (the clinician decides; nothing changes without acceptance).");
                }
            }
        }
        if (!fired) {
            return;
        }
        // RULES.md 1.2 §5: on TRT the dose is reviewed; without it O1 keeps only its own suggestions
        b.actions(s.tableActions(Rule.O1, b.severity()));
        // "Review" the order only where its dose or use is the lever (on TRT); otherwise the AI is cancer
        // therapy and O1 only says what should come with it (RULES.md 1.2 §5)
        String summary = (s.onTrt() ? "Review " + order.ingredient().label() + " order: "
                : BoneRules.capitalised(order.ingredient().label()) + " order: ") + String.join("; ", reasons);
        if (summary.length() > 140) {
            summary = summary.substring(0, 137) + "...";
        }
        b.summary(summary)
                .threshold("estradiol < " + EstradiolRules.pg(p.estradiolSuppressedBelow()) + ": critical; < "
                        + format(p.orderEstradiolWarningBelow()) + " pg/mL or none in " + p.estradiolRecheckDays()
                        + " days: warning; no DXA ever: suggestion")
                .window(recentStart(s), s.asOf, "estradiol in the last " + p.estradiolRecheckDays() + " days")
                .sources(Source.KHOSLA_RIGGS, Source.BURNETT_BOWIE_2009, Source.DOSING);
        if (order.matchedByName()) {
            b.note("The ordered drug was recognised by its name, not by a standard code.");
        }
        out.add(b.build());
    }

    private static Instant recentStart(Situation s) {
        return s.daysBefore(s.asOf, s.p.estradiolRecheckDays());
    }

    static String timesPerWeek(int n) {
        return switch (n) {
            case 1 -> "once weekly";
            case 2 -> "twice weekly";
            case 7 -> "daily";
            default -> n + " times weekly";
        };
    }
}
