package org.e2guard.engine;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.e2guard.evaluation.RulesConfig;
import org.e2guard.timeline.Bound;
import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Exposure;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;
import org.e2guard.timeline.WeeklyDose;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A small builder of patient timelines for rule tests; defaults are a typical male TRT patient. */
final class Records {
    /** The defaults of RulesConfig, read through the real mapping so they exist in one place only. */
    static RuleParameters defaults() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).build();
        return config.getConfigMapping(RulesConfig.class).toParameters();
    }

    static Instant day(String date) {
        return LocalDate.parse(date).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private PatientRecord.Gender gender = PatientRecord.Gender.MALE;
    private LocalDate birth = LocalDate.parse("1968-04-02");
    private final List<LabResult> labs = new ArrayList<>();
    private final List<DxaResult> dxa = new ArrayList<>();
    private final List<DxaScan> scans = new ArrayList<>();
    private PatientRecord.Death death;
    private final List<Exposure> exposures = new ArrayList<>();
    private final List<ClinicalContext> context = new ArrayList<>();
    private int n;

    static Records male() {
        return new Records();
    }

    static Records female() {
        Records r = new Records();
        r.gender = PatientRecord.Gender.FEMALE;
        return r;
    }

    Records born(String date) {
        birth = date == null ? null : LocalDate.parse(date);
        return this;
    }

    Records anastrozole(String start, double mgPerWeek) {
        exposures.add(new Exposure("MedicationStatement/ai" + (++n), Ingredient.ANASTROZOLE, day(start), null, true, false,
                new WeeklyDose(mgPerWeek, mgPerWeek + " mg/week"), null));
        return this;
    }

    Records exposure(Ingredient ingredient, String start, String end, boolean current) {
        exposures.add(new Exposure("MedicationStatement/x" + (++n), ingredient, day(start), end == null ? null : day(end),
                current, false, null, "no dosage"));
        return this;
    }

    Records testosterone(String start) {
        return exposure(Ingredient.TESTOSTERONE, start, null, true);
    }

    Records lab(LabConcept concept, String date, Bound value, boolean sensitive) {
        labs.add(new LabResult("Observation/l" + (++n), concept, day(date), null, value, value + " " + concept.canonicalUnit(),
                sensitive, false, false));
        return this;
    }

    Records e2(String date, double pgMl) {
        return lab(LabConcept.ESTRADIOL, date, Bound.exact(pgMl), true);
    }

    Records vitD(String date, double ngMl) {
        return lab(LabConcept.VITAMIN_D, date, Bound.exact(ngMl), false);
    }

    Records calcium(String date) {
        return lab(LabConcept.CALCIUM, date, Bound.exact(9.4), false);
    }

    /** Recent vitamin D and calcium, so M3/M4 stay quiet unless a test wants them. */
    Records labsUpToDate(String date) {
        return vitD(date, 34).calcium(date);
    }

    Records dxa(DxaResult.Kind kind, DxaResult.Region region, String date, double value) {
        dxa.add(new DxaResult("Observation/d" + (++n), kind, new DxaResult.Site(region, DxaResult.Laterality.UNSPECIFIED),
                LocalDate.parse(date), day(date), value, String.valueOf(value)));
        return this;
    }

    Records spine(String date, double bmd, double tScore) {
        return dxa(DxaResult.Kind.BMD, DxaResult.Region.LUMBAR_SPINE, date, bmd)
                .dxa(DxaResult.Kind.T_SCORE, DxaResult.Region.LUMBAR_SPINE, date, tScore);
    }

    Records scan(DxaScan.Kind kind, String date) {
        scans.add(new DxaScan(kind == DxaScan.Kind.PROCEDURE ? "Procedure/s" + (++n) : "DiagnosticReport/s" + (++n), kind,
                LocalDate.parse(date), day(date)));
        return this;
    }

    /** A scan whose local date (as written, with its offset) differs from its UTC instant. */
    Records scan(DxaScan.Kind kind, String localDate, Instant at) {
        scans.add(new DxaScan("Procedure/s" + (++n), kind, LocalDate.parse(localDate), at));
        return this;
    }

    /** Deceased at the start of the day given, or at an unknown time when null (deceasedBoolean). */
    Records deceased(String date) {
        death = new PatientRecord.Death(date == null ? null : day(date));
        return this;
    }

    Records context(ClinicalContext.Kind kind, String label) {
        return condition(kind, label, "2020-01-01", null, true);
    }

    /** A Condition with its onset (or null), abatement (or null) and what clinicalStatus says today. */
    Records condition(ClinicalContext.Kind kind, String label, String onset, String abatement, boolean activeByStatus) {
        context.add(new ClinicalContext("Condition/c" + (++n), kind, label, onset == null ? null : day(onset),
                abatement == null ? null : day(abatement), activeByStatus, onset != null));
        return this;
    }

    PatientRecord build() {
        return new PatientRecord("Patient/p1", gender, birth, death, labs, dxa, scans, exposures, context);
    }
}
