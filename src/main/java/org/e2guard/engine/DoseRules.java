package org.e2guard.engine;

import static org.e2guard.timeline.Numbers.format;

import java.util.Comparator;
import java.util.List;

import org.e2guard.timeline.Exposure;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.WeeklyDose;

/** D1: anastrozole dose in men on testosterone therapy (RULES.md §4). */
final class DoseRules {
    private DoseRules() {
    }

    static void apply(Situation s, List<Finding> out) {
        if (!s.male() || s.ai == null || s.trt == null) {
            return;
        }
        Exposure newest = s.ai.members().stream()
                .filter(e -> e.current() && e.ingredient() == Ingredient.ANASTROZOLE)
                .max(Comparator.comparing(Exposure::start)).orElse(null);
        if (newest == null) {
            return;
        }
        if (newest.dose() == null) {
            s.notice(newest.ref(), "Weekly anastrozole dose unknown (" + newest.doseProblem() + "): D1 not judged.");
            return;
        }
        Severity sev = severity(s.p, newest.dose());
        if (sev == null) {
            return;
        }
        FindingBuilder b = s.finding(Rule.D1, sev)
                .summary("Anastrozole " + format(newest.dose().mgPerWeek())
                        + " mg/week with testosterone therapy: above the typical 0.25-0.5 mg twice weekly")
                .value("Weekly anastrozole dose", newest.dose().reported(),
                        format(newest.dose().mgPerWeek()) + " mg/week", newest.ref())
                .implicated(List.of(newest.ref()));
        b.implicated(s.trt.members().stream().map(Exposure::ref).toList());
        s.noteNameMatches(b);
        out.add(describe(s.p, b).actions(s.tableActions(Rule.D1, sev)).build());
    }

    /** The D1 severity for a weekly dose, or null when D1 does not fire. */
    static Severity severity(RuleParameters p, WeeklyDose dose) {
        if (dose.mgPerWeek() >= p.anastrozoleWeeklyHighAtOrAbove()) {
            return Severity.HIGH;
        }
        return dose.mgPerWeek() > p.anastrozoleWeeklyAbove() ? Severity.MODERATE : null;
    }

    static FindingBuilder describe(RuleParameters p, FindingBuilder b) {
        return b.threshold("weekly anastrozole > " + format(p.anastrozoleWeeklyAbove()) + " mg; high if >= "
                        + format(p.anastrozoleWeeklyHighAtOrAbove()) + " mg/week (1 mg daily, the trial dose that lowered spine BMD)")
                .sources(Source.BURNETT_BOWIE_2009, Source.DOSING);
    }
}
