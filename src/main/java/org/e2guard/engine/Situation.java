package org.e2guard.engine;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Ingredient.DrugClass;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;
import org.e2guard.timeline.Timed;

/**
 * One evaluation's view of a record: what is known at {@code asOf} (later facts are left out so
 * that a past evaluation can be reproduced), the exposure runs, and the notices collected.
 */
final class Situation {
    final PatientRecord record;
    final Instant asOf;
    final RuleParameters p;
    final String rulesetVersion;
    final ExposureRun ai;
    final ExposureRun trt;
    final List<Notice> notices = new ArrayList<>();
    private final List<LabResult> labs;
    private final List<DxaResult> dxa;
    private final List<DxaScan> scans;

    Situation(PatientRecord record, Instant asOf, RuleParameters p, String rulesetVersion) {
        this.record = record;
        this.asOf = asOf;
        this.p = p;
        this.rulesetVersion = rulesetVersion;
        this.ai = ExposureRun.current(record.exposures(DrugClass.AROMATASE_INHIBITOR), asOf,
                p.exposureGapJoinsBelowDays(), p.recentlyCompletedDays());
        this.trt = ExposureRun.current(record.exposures(DrugClass.TESTOSTERONE), asOf,
                p.exposureGapJoinsBelowDays(), p.recentlyCompletedDays());
        this.labs = known(record.labs());
        this.dxa = known(record.dxa());
        this.scans = known(record.scans());
    }

    private <T extends Timed> List<T> known(List<T> facts) {
        return facts.stream().filter(f -> !f.time().isAfter(asOf)).sorted(Timed.CHRONOLOGICAL).toList();
    }

    boolean male() {
        return record.gender() == PatientRecord.Gender.MALE;
    }

    /** Usable results of a concept known at asOf, oldest first. */
    List<LabResult> labs(LabConcept concept) {
        return labs.stream().filter(l -> l.concept() == concept).toList();
    }

    LabResult latest(LabConcept concept) {
        List<LabResult> all = labs(concept);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** DXA measurements known at asOf, oldest first. */
    List<DxaResult> dxa() {
        return dxa;
    }

    /** The newest date with DXA results: what B1/B2 classify. */
    LocalDate newestDxaResultDate() {
        return dxa.stream().map(DxaResult::date).max(Comparator.naturalOrder()).orElse(null);
    }

    /** DXA scans on record as a report or procedure known at asOf, oldest first. */
    List<DxaScan> scans() {
        return scans;
    }

    /** Whether any DXA is on record at asOf: a result, a DXA report or a completed densitometry procedure (M1, M2, O1). */
    boolean anyDxa() {
        return !dxa.isEmpty() || !scans.isEmpty();
    }

    /**
     * The newest DXA on record (results, reports, procedures): what M2 dates. By its instant, not its
     * local date: "24 months" are calendar months in UTC (RULES.md §3), and an evening scan in New York
     * is the next day in UTC.
     */
    Timed newestDxa() {
        return java.util.stream.Stream.concat(dxa.stream(), scans.stream()).max(Timed.CHRONOLOGICAL).orElse(null);
    }

    /** The scan date of a DXA record, which groups its results, reports and procedures. */
    static LocalDate dateOf(Timed dxaRecord) {
        return dxaRecord instanceof DxaResult d ? d.date() : ((DxaScan) dxaRecord).date();
    }

    /** Whether any DXA on record falls on or after the instant given (M1's baseline window). */
    boolean dxaSince(Instant from) {
        return dxa.stream().anyMatch(d -> !d.time().isBefore(from)) || scans.stream().anyMatch(d -> !d.time().isBefore(from));
    }

    /** References of every DXA record of a date: its results, reports and procedures. */
    List<String> dxaRefsOn(LocalDate date) {
        List<String> refs = new ArrayList<>();
        dxa.stream().filter(d -> d.date().equals(date)).forEach(d -> refs.add(d.ref()));
        scans.stream().filter(d -> d.date().equals(date)).forEach(d -> refs.add(d.ref()));
        return refs;
    }

    /** Context of a kind as it stood at asOf (RULES.md 1.2 §4), not as the record shows it today. */
    List<ClinicalContext> context(ClinicalContext.Kind kind) {
        return record.context().stream().filter(c -> c.kind() == kind && c.standsAt(asOf)).toList();
    }

    /** RULES.md 1.2 §5: the action table's column. */
    boolean onTrt() {
        return trt != null;
    }

    /**
     * How a detail opens when the patient is not on testosterone therapy (RULES.md 1.2 §5), true of
     * the record: a man whose testosterone ended is told when it did, not that there was none; a
     * woman is not told about testosterone at all (it is beside the point of her cancer therapy).
     */
    String withoutTrt() {
        if (record.gender() == org.e2guard.timeline.PatientRecord.Gender.FEMALE) {
            return "";
        }
        Instant ended = record.exposures(DrugClass.TESTOSTERONE).stream().filter(e -> !e.start().isAfter(asOf))
                .map(e -> e.end() != null && !e.end().isAfter(asOf) ? e.end() : e.start()).max(Comparator.naturalOrder()).orElse(null);
        return ended == null ? "No testosterone therapy on record: "
                : "No current testosterone therapy (the last testosterone record ends " + date(ended) + "): ";
    }

    /** The actions of the table for a finding of this patient (RULES.md 1.2 §5). */
    List<Action> tableActions(Rule rule, Severity severity) {
        return ActionTable.of(rule, severity, onTrt());
    }

    /**
     * The current AI run as the record shows it, never as a claim of treatment taken (RULES.md 1.2
     * §5): "letrozole since 2026-09-08, 90 days", or "letrozole 2025-01-10 to 2026-05-01" for a run
     * that has ended.
     */
    String aiRun() {
        // a record stopped since (as exported later) whose period reaches past asOf was running then:
        // "to <asOf>" would read as if the AI ended on the evaluation day
        if (!ai.ongoing() && ai.end().equals(ai.start())) {
            // a finished record with only its date (Synthea writes years of therapy so): "letrozole
            // 2013-02-13 to 2013-02-13" read as a one-day course
            boolean undated = ai.members().stream().allMatch(e -> e.end() == null);
            return aiName() + (undated ? " recorded " + date(ai.start()) + ", no end date" : " on " + date(ai.start()));
        }
        return ai.ongoing() || !ai.end().isBefore(asOf) ? aiName() + " since " + date(ai.start()) + ", " + ai.daysSinceStart(asOf) + " days"
                : aiName() + " " + date(ai.start()) + " to " + date(ai.end());
    }

    /**
     * Where a date stands against the current AI run, for a summary (RULES.md 1.2 §4): a scan taken
     * before the AI started is said to be so, never "on letrozole".
     */
    String relativeToAi(LocalDate date) {
        LocalDate start = aiStartDate();
        if (date.isBefore(start)) {
            return "before " + aiName() + " started";
        }
        if (date.equals(start)) {
            return "as " + aiName() + " started";
        }
        if (!ai.ongoing() && date.isAfter(ai.end().atZone(ZoneOffset.UTC).toLocalDate())) {
            return "after " + aiName() + " stopped";
        }
        return "on " + aiName();
    }

    /** The current AI run's first day (UTC), against which a scan is placed. */
    LocalDate aiStartDate() {
        return ai.start().atZone(ZoneOffset.UTC).toLocalDate();
    }

    static String date(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate().toString();
    }

    Integer ageOn(LocalDate date) {
        return record.birthDate() == null ? null : Period.between(record.birthDate(), date).getYears();
    }

    Integer ageNow() {
        return ageOn(asOf.atZone(ZoneOffset.UTC).toLocalDate());
    }

    Instant monthsBefore(Instant t, int months) {
        return t.atZone(ZoneOffset.UTC).minusMonths(months).toInstant();
    }

    Instant daysBefore(Instant t, int days) {
        return t.minus(java.time.Duration.ofDays(days));
    }

    void notice(String ref, String message) {
        notices.add(Notice.warning(ref, null, message));
    }

    FindingBuilder finding(Rule rule, Severity severity) {
        return new FindingBuilder(rule, severity, record.patientRef(), rulesetVersion);
    }

    /** Medication references of the current AI run: the implicated medications of every AI finding. */
    List<String> aiRefs() {
        return ai == null ? List.of() : ai.members().stream().map(e -> e.ref()).toList();
    }

    /** Names the AI ingredients of the current run, e.g. "anastrozole". */
    String aiName() {
        if (ai == null) {
            return "an aromatase inhibitor";
        }
        List<String> names = ai.members().stream().map(e -> e.ingredient().label()).distinct().toList();
        return names.size() == 1 ? names.get(0) : "aromatase inhibitors";
    }

    /** Findings about a drug matched by its name alone must say so (RULES.md §1). */
    void noteNameMatches(FindingBuilder b) {
        if (ai != null && ai.members().stream().anyMatch(e -> e.matchedByName())) {
            b.note("The aromatase inhibitor was recognised by its name, not by a standard code; check the medication record.");
        }
    }
}
