package org.e2guard.mapping.record;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.e2guard.engine.Notice;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.timeline.Bound;
import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DraftOrder;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Exposure;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Duration;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;

/**
 * FHIR resources of one patient to the normalised timeline the rules read (RULES.md §1-§3).
 * Every resource that is relevant but unusable is reported as a notice saying why; nothing is
 * guessed.
 */
public final class RecordMapper {

    /** A patient's timeline and what was left out of it. */
    public record Mapped(PatientRecord record, List<Notice> notices) {
    }

    private final Terminology terminology;

    public RecordMapper(Terminology terminology) {
        this.terminology = terminology;
    }

    public Mapped map(PatientGroup group, ResourceIndex index) {
        return new Run(group, index).map();
    }

    /** A draft MedicationRequest under review (CDS order hooks) as input for rule O1; empty if not a recognised drug. */
    public Optional<DraftOrder> draftOrder(MedicationRequest draft, ResourceIndex index, String ref) {
        CodeableConcept code = medicationCode(draft.getMedication(), draft, index);
        return terminology.drug(code).map(m -> {
            Dosing.Result dose = Dosing.weekly(draft.getDosageInstruction(), Dosing.mgPerTablet(code));
            return new DraftOrder(ref, m.ingredient(), dose.dose(), m.byName());
        });
    }

    private CodeableConcept medicationCode(Type medication, Resource from, ResourceIndex index) {
        if (medication instanceof CodeableConcept cc) {
            return cc;
        }
        if (medication instanceof Reference ref) {
            Resource target = index.resolve(ref, from);
            if (target instanceof Medication m) {
                return m.getCode();
            }
            // a display on the reference is the last resort, matched by name only
            if (ref.hasDisplay()) {
                return new CodeableConcept().setText(ref.getDisplay());
            }
        }
        return null;
    }

    /** One mapping pass: collects facts and notices for a single patient. */
    private final class Run {
        private final PatientGroup group;
        private final ResourceIndex index;
        private final List<LabResult> labs = new ArrayList<>();
        private final List<DxaResult> dxa = new ArrayList<>();
        private final List<DxaScan> scans = new ArrayList<>();
        private final List<Exposure> exposures = new ArrayList<>();
        private final List<ClinicalContext> context = new ArrayList<>();
        private final List<Notice> notices = new ArrayList<>();
        private final Set<Observation> seen = Collections.newSetFromMap(new IdentityHashMap<>());

        Run(PatientGroup group, ResourceIndex index) {
            this.group = group;
            this.index = index;
        }

        Mapped map() {
            // reports first: a result without its own time takes the report's, so it must not be
            // met (and dropped for lack of a time) as a plain Observation before its report
            for (Resource r : group.resources()) {
                if (r instanceof DiagnosticReport d) {
                    report(d);
                }
            }
            for (Resource r : group.resources()) {
                if (r instanceof Observation o) {
                    observation(o, null);
                } else if (r instanceof MedicationStatement m) {
                    statement(m);
                } else if (r instanceof MedicationRequest m) {
                    request(m);
                } else if (r instanceof MedicationAdministration m) {
                    administration(m);
                } else if (r instanceof Condition c) {
                    condition(c);
                } else if (r instanceof Procedure pr) {
                    procedure(pr);
                }
            }
            Patient p = group.patient();
            PatientRecord.Gender gender = PatientRecord.Gender.UNKNOWN;
            LocalDate birth = null;
            PatientRecord.Death death = null;
            if (p == null) {
                warn(group.patientRef(), null, "The Patient resource is not in the input: gender and age are unknown, so E- and D-rules cannot fire.");
            } else {
                if (p.hasGender()) {
                    gender = switch (p.getGender()) {
                        case MALE -> PatientRecord.Gender.MALE;
                        case FEMALE -> PatientRecord.Gender.FEMALE;
                        case OTHER -> PatientRecord.Gender.OTHER;
                        default -> PatientRecord.Gender.UNKNOWN;
                    };
                }
                birth = FhirTime.localDate(p.getBirthDateElement());
                death = death(p);
            }
            return new Mapped(new PatientRecord(group.patientRef(), gender, birth, death, labs, dxa, scans, exposures, context),
                    notices);
        }

        private PatientRecord.Death death(Patient p) {
            if (p.hasDeceasedBooleanType()) {
                return Boolean.TRUE.equals(p.getDeceasedBooleanType().getValue()) ? new PatientRecord.Death(null) : null;
            }
            if (p.hasDeceasedDateTimeType()) {
                Instant at = FhirTime.instant(p.getDeceasedDateTimeType());
                if (at == null) {
                    // a deceasedDateTime that carries no date still says the patient died
                    return new PatientRecord.Death(null);
                }
                return new PatientRecord.Death(at);
            }
            return null;
        }

        private void warn(String ref, String location, String message) {
            notices.add(Notice.warning(ref, location, message));
        }

        /**
         * One coded value of an Observation: the Observation itself or one of its components
         * (RULES.md §3: each component of a panel counts like a standalone Observation).
         *
         * @param path the element, for notices: {@code Observation} or {@code Observation.component[2]}
         */
        private record Reading(String path, CodeableConcept code, Type value, CodeableConcept dataAbsentReason,
                               List<CodeableConcept> interpretation,
                               List<Observation.ObservationReferenceRangeComponent> referenceRange, Meaning meaning) {
        }

        /** What a reading is to the rules; exactly one part is set. */
        private record Meaning(Terminology.LabMatch lab, Terminology.DxaMatch scan, Terminology.ContextMatch context,
                               boolean smokingStatus) {
        }

        private Meaning meaning(CodeableConcept code) {
            Set<String> in = terminology.memberships(code);
            Optional<Terminology.LabMatch> lab = terminology.lab(in);
            if (lab.isPresent()) {
                return new Meaning(lab.get(), null, null, false);
            }
            Optional<Terminology.DxaMatch> scan = terminology.dxa(in);
            if (scan.isPresent()) {
                return new Meaning(null, scan.get(), null, false);
            }
            if (terminology.isSmokingStatus(in)) {
                return new Meaning(null, null, null, true);
            }
            return terminology.contextByCode(in, code).map(c -> new Meaning(null, null, c, false)).orElse(null);
        }

        private void observation(Observation o, Instant fallbackTime) {
            if (!seen.add(o)) {
                return;
            }
            List<Reading> readings = new ArrayList<>();
            Meaning own = meaning(o.getCode());
            if (own != null) {
                readings.add(new Reading("Observation", o.getCode(), o.getValue(), o.getDataAbsentReason(),
                        o.getInterpretation(), o.getReferenceRange(), own));
            }
            for (int i = 0; i < o.getComponent().size(); i++) {
                Observation.ObservationComponentComponent c = o.getComponent().get(i);
                Meaning m = meaning(c.getCode());
                if (m != null) {
                    readings.add(new Reading("Observation.component[" + i + "]", c.getCode(), c.getValue(),
                            c.getDataAbsentReason(), c.getInterpretation(), c.getReferenceRange(), m));
                }
            }
            if (readings.isEmpty()) {
                return;
            }
            String ref = index.refOf(o);
            if (!usableStatus(o)) {
                warn(ref, "Observation.status", "Ignored: status '" + (o.hasStatus() ? o.getStatus().toCode() : "")
                        + "' (only final, amended and corrected results are used).");
                return;
            }
            Instant time = observationTime(o);
            if (time == null) {
                time = fallbackTime;
            }
            if (time == null) {
                warn(ref, "Observation.effective[x]", "Ignored: no effective time or issued date.");
                return;
            }
            // a panel's components share its date: the scan date groups a DXA's results
            LocalDate date = o.hasEffectiveDateTimeType() ? FhirTime.localDate(o.getEffectiveDateTimeType())
                    : FhirTime.utcDate(time);
            Instant issued = FhirTime.instant(o.getIssuedElement());
            for (Reading r : readings) {
                reading(ref, r, time, date, issued);
            }
        }

        private void reading(String ref, Reading r, Instant time, LocalDate date, Instant issued) {
            String at = r.path();
            if (r.dataAbsentReason() != null && !r.dataAbsentReason().isEmpty()) {
                warn(ref, at + ".dataAbsentReason", "Ignored: the value is absent ("
                        + r.dataAbsentReason().getCodingFirstRep().getCode() + ").");
                return;
            }
            Meaning m = r.meaning();
            if (m.smokingStatus()) {
                // a smoking-status Observation says who smokes by its value (TERMINOLOGY.md)
                if (r.value() instanceof CodeableConcept v) {
                    terminology.context(terminology.memberships(v), v)
                            .filter(c -> c.kind() == ClinicalContext.Kind.SMOKING)
                            .ifPresent(c -> context.add(ClinicalContext.observed(ref, c.kind(), c.label(), time)));
                }
                return;
            }
            if (m.context() != null) {
                context.add(ClinicalContext.observed(ref, m.context().kind(), m.context().label(), time));
                return;
            }
            Quantity q = r.value() instanceof Quantity quantity ? quantity : null;
            Double number = q == null ? null : Units.valueOf(q);
            if (number == null) {
                warn(ref, at + ".value[x]", "Ignored: no numeric value (valueQuantity).");
                return;
            }
            String unit = Units.unitOf(q);
            Quantity.QuantityComparator qc = q.getComparatorElement().getValue();
            if (q.hasComparatorElement() && (qc == null || qc == Quantity.QuantityComparator.NULL)) {
                // a comparator e2guard cannot read could make the value a bound: never guess it is exact
                warn(ref, at + ".valueQuantity.comparator", "Ignored: the comparator is not one of <, <=, >, >=.");
                return;
            }
            Bound.Comparator comparator = Bound.Comparator.fromFhir(qc == null ? null : qc.toCode());
            double value = number;
            // the value exactly as the source wrote it ("14.0", "<5"), with its unit
            String reported = comparator.symbol() + q.getValueElement().getValueAsString() + (unit == null ? "" : " " + unit);
            if (m.lab() != null) {
                Terminology.LabMatch lab = m.lab();
                if (value < 0) {
                    warn(ref, at + ".valueQuantity.value", "Ignored: a negative " + lab.concept().label()
                            + " is not a measurement.");
                    return;
                }
                Double factor = Units.factor(lab.concept(), unit);
                if (factor == null) {
                    warn(ref, at + ".valueQuantity.code", "Ignored: " + lab.concept().label() + " unit '"
                            + (unit == null ? "" : unit) + "' is missing or not one e2guard converts (expected "
                            + lab.concept().canonicalUnit() + " or a listed alternative).");
                    return;
                }
                labs.add(new LabResult(ref, lab.concept(), time, issued, new Bound(value, comparator).scaled(factor),
                        reported, lab.sensitive(), lab.proxy(), high(r, q, value)));
            } else {
                Terminology.DxaMatch scan = m.scan();
                boolean bmd = scan.kind() == DxaResult.Kind.BMD;
                if (bmd ? !Units.isBmdUnit(unit) : !Units.isScoreUnit(q)) {
                    warn(ref, at + ".valueQuantity.code", "Ignored: DXA " + scan.kind().name().toLowerCase()
                            + " unit '" + (unit == null ? "" : unit) + "' is missing or wrong (expected "
                            + (bmd ? "g/cm2" : "1, an annotation such as {T-score}, T-score, Z-score, SD or none") + ").");
                    return;
                }
                if (comparator != Bound.Comparator.EXACT) {
                    warn(ref, at + ".valueQuantity.comparator", "Ignored: a DXA value must be exact.");
                    return;
                }
                if (bmd && value <= 0) {
                    warn(ref, at + ".valueQuantity.value", "Ignored: a bone mineral density must be above 0 g/cm2.");
                    return;
                }
                // a score is a bare number to a reader: its UCUM unity or annotation ("{T-score}") is no unit
                dxa.add(new DxaResult(ref, scan.kind(), scan.site(), date, time, value,
                        bmd ? reported : org.e2guard.timeline.Numbers.plain(q.getValueElement().getValueAsString())));
            }
        }

        private boolean usableStatus(Observation o) {
            return o.hasStatus() && switch (o.getStatus()) {
                case FINAL, AMENDED, CORRECTED -> true;
                default -> false;
            };
        }

        private Instant observationTime(Observation o) {
            if (o.hasEffectiveDateTimeType()) {
                return FhirTime.instant(o.getEffectiveDateTimeType());
            }
            if (o.hasEffectivePeriod() && o.getEffectivePeriod().hasStart()) {
                return FhirTime.instant(o.getEffectivePeriod().getStartElement());
            }
            if (o.hasEffectiveInstantType()) {
                return FhirTime.instant(o.getEffectiveInstantType());
            }
            return FhirTime.instant(o.getIssuedElement());
        }

        private boolean high(Reading r, Quantity q, double value) {
            for (CodeableConcept i : r.interpretation()) {
                for (Coding c : i.getCoding()) {
                    if ("H".equals(c.getCode()) || "HH".equals(c.getCode()) || "HU".equals(c.getCode())) {
                        return true;
                    }
                }
            }
            for (Observation.ObservationReferenceRangeComponent rr : r.referenceRange()) {
                Double high = rr.hasHigh() ? Units.valueOf(rr.getHigh()) : null;
                if (high != null && value > high && (!rr.getHigh().hasCode() || rr.getHigh().getCode().equals(q.getCode()))) {
                    return true;
                }
            }
            return false;
        }

        private void report(DiagnosticReport d) {
            if (!terminology.isDxaReport(d.getCode())) {
                return;
            }
            Instant time = d.hasEffectiveDateTimeType() ? FhirTime.instant(d.getEffectiveDateTimeType())
                    : d.hasEffectivePeriod() ? FhirTime.instant(d.getEffectivePeriod().getStartElement())
                    : FhirTime.instant(d.getIssuedElement());
            String ref = index.refOf(d);
            if (reportCounts(d)) {
                scan(ref, DxaScan.Kind.REPORT, time,
                        d.hasEffectiveDateTimeType() ? FhirTime.localDate(d.getEffectiveDateTimeType()) : null,
                        "DiagnosticReport.effective[x]");
            } else {
                warn(ref, "DiagnosticReport.status", "The DXA report itself is not counted as a DXA on record: status '"
                        + (d.hasStatus() ? d.getStatus().toCode() : "") + "' (its results are read by their own status).");
            }
            for (Reference result : d.getResult()) {
                Resource target = index.resolve(result, d);
                if (target instanceof Observation o) {
                    observation(o, time);
                } else {
                    warn(index.refOf(d), "DiagnosticReport.result", "A DXA result reference could not be resolved in the input.");
                }
            }
        }

        /** RULES.md §4: a completed bone densitometry Procedure is a DXA on record for M1/M2. */
        private void procedure(Procedure pr) {
            if (!terminology.isDxaProcedure(pr.getCode())) {
                return;
            }
            String ref = index.refOf(pr);
            if (pr.getStatus() != Procedure.ProcedureStatus.COMPLETED) {
                warn(ref, "Procedure.status", "Ignored: status '" + (pr.hasStatus() ? pr.getStatus().toCode() : "")
                        + "' (only a completed densitometry counts as a DXA).");
                return;
            }
            Instant time = pr.hasPerformedDateTimeType() ? FhirTime.instant(pr.getPerformedDateTimeType())
                    : pr.hasPerformedPeriod() ? FhirTime.instant(pr.getPerformedPeriod().getStartElement()) : null;
            scan(ref, DxaScan.Kind.PROCEDURE, time,
                    pr.hasPerformedDateTimeType() ? FhirTime.localDate(pr.getPerformedDateTimeType()) : null,
                    "Procedure.performed[x]");
        }

        /** A report that was issued and not withdrawn; a registered, partial or preliminary one is no scan on record yet. */
        private boolean reportCounts(DiagnosticReport d) {
            return d.hasStatus() && switch (d.getStatus()) {
                case FINAL, AMENDED, CORRECTED, APPENDED -> true;
                default -> false;
            };
        }

        private void scan(String ref, DxaScan.Kind kind, Instant time, LocalDate date, String timePath) {
            if (time == null) {
                warn(ref, timePath, "Ignored as a DXA on record: no date.");
                return;
            }
            scans.add(new DxaScan(ref, kind, date != null ? date : FhirTime.utcDate(time), time));
        }

        private void statement(MedicationStatement m) {
            String ref = index.refOf(m);
            CodeableConcept code = medicationCode(m.getMedication(), m, index);
            Optional<Terminology.DrugMatch> drug = terminology.drug(code);
            if (drug.isEmpty()) {
                return;
            }
            if (!m.hasStatus()) {
                warn(ref, "MedicationStatement.status", "Ignored: no status.");
                return;
            }
            boolean current;
            switch (m.getStatus()) {
                case ACTIVE, INTENDED, ONHOLD -> current = true;
                case COMPLETED, STOPPED -> current = false;
                default -> {
                    warn(ref, "MedicationStatement.status", "Ignored: status '" + m.getStatus().toCode() + "' never counts as exposure.");
                    return;
                }
            }
            Instant start;
            Instant end = null;
            if (m.hasEffectivePeriod()) {
                start = FhirTime.instant(m.getEffectivePeriod().getStartElement());
                end = FhirTime.instant(m.getEffectivePeriod().getEndElement());
            } else if (m.hasEffectiveDateTimeType()) {
                start = FhirTime.instant(m.getEffectiveDateTimeType());
            } else {
                start = FhirTime.instant(m.getDateAssertedElement());
                if (start != null) {
                    warn(ref, "MedicationStatement.effective[x]", "No effective time: the date asserted is used as the start.");
                }
            }
            if (start == null) {
                warn(ref, "MedicationStatement.effective[x]", "Ignored: no effective time, so the exposure cannot be placed.");
                return;
            }
            exposure(ref, drug.get(), start, end, current, m.getDosage(), code);
        }

        private void request(MedicationRequest m) {
            String ref = index.refOf(m);
            CodeableConcept code = medicationCode(m.getMedication(), m, index);
            Optional<Terminology.DrugMatch> drug = terminology.drug(code);
            if (drug.isEmpty()) {
                return;
            }
            if (!m.hasStatus()) {
                warn(ref, "MedicationRequest.status", "Ignored: no status.");
                return;
            }
            boolean current;
            switch (m.getStatus()) {
                case ACTIVE, ONHOLD -> current = true;
                case COMPLETED, STOPPED -> current = false;
                case DRAFT -> {
                    notices.add(Notice.info(ref, "MedicationRequest.status", "A draft order is not exposure; it is reviewed by the CDS order hooks (rule O1)."));
                    return;
                }
                default -> {
                    warn(ref, "MedicationRequest.status", "Ignored: status '" + m.getStatus().toCode() + "' never counts as exposure.");
                    return;
                }
            }
            Period period = null;
            if (m.getDispenseRequest().hasValidityPeriod()) {
                period = m.getDispenseRequest().getValidityPeriod();
            } else {
                for (Dosage d : m.getDosageInstruction()) {
                    if (d.getTiming().getRepeat().hasBoundsPeriod()) {
                        period = d.getTiming().getRepeat().getBoundsPeriod();
                        break;
                    }
                }
            }
            Instant start = period != null && period.hasStart() ? FhirTime.instant(period.getStartElement())
                    : FhirTime.instant(m.getAuthoredOnElement());
            Instant end = period != null ? FhirTime.instant(period.getEndElement()) : null;
            if (start == null) {
                warn(ref, "MedicationRequest.authoredOn", "Ignored: no validity period, bounds period or authoredOn, so the exposure cannot be placed.");
                return;
            }
            if (end == null && !current && m.getDispenseRequest().hasExpectedSupplyDuration()) {
                end = plus(start, m.getDispenseRequest().getExpectedSupplyDuration());
            }
            exposure(ref, drug.get(), start, end, current, m.getDosageInstruction(), code);
        }

        private void administration(MedicationAdministration m) {
            String ref = index.refOf(m);
            Optional<Terminology.DrugMatch> drug = terminology.drug(medicationCode(m.getMedication(), m, index));
            if (drug.isEmpty()) {
                return;
            }
            boolean current;
            switch (m.hasStatus() ? m.getStatus() : MedicationAdministration.MedicationAdministrationStatus.NULL) {
                case INPROGRESS, ONHOLD -> current = true;
                case COMPLETED, STOPPED -> current = false;
                default -> {
                    warn(ref, "MedicationAdministration.status", "Ignored: status '"
                            + (m.hasStatus() ? m.getStatus().toCode() : "") + "' does not count as exposure.");
                    return;
                }
            }
            Instant start = m.hasEffectiveDateTimeType() ? FhirTime.instant(m.getEffectiveDateTimeType())
                    : m.hasEffectivePeriod() ? FhirTime.instant(m.getEffectivePeriod().getStartElement()) : null;
            Instant end = m.hasEffectivePeriod() ? FhirTime.instant(m.getEffectivePeriod().getEndElement()) : null;
            if (start == null) {
                warn(ref, "MedicationAdministration.effective[x]", "Ignored: no effective time.");
                return;
            }
            exposures.add(new Exposure(ref, drug.get().ingredient(), start, end, current, drug.get().byName(), null,
                    "an administration record carries no schedule"));
        }

        private void exposure(String ref, Terminology.DrugMatch drug, Instant start, Instant end, boolean current,
                              List<Dosage> dosage, CodeableConcept code) {
            Dosing.Result dose = Dosing.weekly(dosage, Dosing.mgPerTablet(code));
            exposures.add(new Exposure(ref, drug.ingredient(), start, end, current, drug.byName(), dose.dose(), dose.problem()));
        }

        private void condition(Condition c) {
            Optional<Terminology.ContextMatch> m = terminology.context(c.getCode());
            if (m.isEmpty()) {
                return;
            }
            String ref = index.refOf(c);
            String verification = c.getVerificationStatus().getCodingFirstRep().getCode();
            if ("refuted".equals(verification) || "entered-in-error".equals(verification)) {
                warn(ref, "Condition.verificationStatus", "Ignored: verification status '" + verification + "'.");
                return;
            }
            String clinical = c.getClinicalStatus().getCodingFirstRep().getCode();
            boolean active = clinical == null || "active".equals(clinical) || "recurrence".equals(clinical)
                    || "relapse".equals(clinical);
            // RULES.md 1.2: judged as it stood at the evaluation instant, so the engine gets the
            // dates and today's status, not a verdict taken from an export made later
            Instant onset = conditionTime(c.getOnset());
            Instant time = onset != null ? onset : FhirTime.instant(c.getRecordedDateElement());
            context.add(new ClinicalContext(ref, m.get().kind(), m.get().label(), time,
                    conditionTime(c.getAbatement()), active, onset != null));
        }

        /**
         * An onset[x] or abatement[x] as an instant: a dateTime, a period's start, an age or a
         * range's low end counted from the birth date; a string or a boolean gives no date.
         */
        private Instant conditionTime(Type t) {
            if (t instanceof org.hl7.fhir.r4.model.DateTimeType d) {
                return FhirTime.instant(d);
            }
            if (t instanceof Period p) {
                return FhirTime.instant(p.getStartElement());
            }
            Quantity age = t instanceof Quantity q ? q : t instanceof org.hl7.fhir.r4.model.Range r && r.hasLow() ? r.getLow() : null;
            Patient patient = group.patient();
            if (age == null || patient == null || !patient.hasBirthDate() || Units.valueOf(age) == null) {
                return null;
            }
            double years = switch (age.hasCode() ? age.getCode() : "a") {
                case "a" -> Units.valueOf(age);
                case "mo" -> Units.valueOf(age) / 12;
                case "wk" -> Units.valueOf(age) * 7 / 365.25;
                case "d" -> Units.valueOf(age) / 365.25;
                default -> Double.NaN;
            };
            if (Double.isNaN(years) || years < 0 || years > 200) {
                return null;
            }
            LocalDate birth = FhirTime.localDate(patient.getBirthDateElement());
            return birth.atStartOfDay(java.time.ZoneOffset.UTC).toInstant()
                    .plus(java.time.Duration.ofSeconds(Math.round(years * 365.25 * 86400)));
        }
    }

    /** 200 years: an expected supply longer than this is an input error, not an end date. */
    private static final double MAX_SUPPLY_SECONDS = 200 * 365.25 * 86400;

    private static Instant plus(Instant start, Duration d) {
        Double amount = Units.valueOf(d);
        if (amount == null || !d.hasCode()) {
            return null;
        }
        double days = switch (d.getCode()) {
            case "d" -> 1;
            case "wk" -> 7;
            case "mo" -> 30.4375;
            case "a" -> 365.25;
            default -> Double.NaN;
        };
        if (Double.isNaN(days)) {
            return null;
        }
        double seconds = amount * days * 86400;
        // a supply beyond any lifetime (or negative) says nothing about when exposure ended
        if (!(seconds >= 0 && seconds < MAX_SUPPLY_SECONDS)) {
            return null;
        }
        return start.plusSeconds((long) seconds);
    }
}
