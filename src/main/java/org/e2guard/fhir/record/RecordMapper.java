package org.e2guard.fhir.record;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.e2guard.evaluation.engine.Notice;
import org.e2guard.evaluation.timeline.Bound;
import org.e2guard.evaluation.timeline.ClinicalContext;
import org.e2guard.evaluation.timeline.DraftOrder;
import org.e2guard.evaluation.timeline.DxaResult;
import org.e2guard.evaluation.timeline.Exposure;
import org.e2guard.evaluation.timeline.LabResult;
import org.e2guard.evaluation.timeline.PatientRecord;
import org.e2guard.fhir.terminology.Terminology;
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
                }
            }
            Patient p = group.patient();
            PatientRecord.Gender gender = PatientRecord.Gender.UNKNOWN;
            LocalDate birth = null;
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
            }
            return new Mapped(new PatientRecord(group.patientRef(), gender, birth, labs, dxa, exposures, context), notices);
        }

        private void warn(String ref, String location, String message) {
            notices.add(Notice.warning(ref, location, message));
        }

        private void observation(Observation o, Instant fallbackTime) {
            if (!seen.add(o)) {
                return;
            }
            String ref = index.refOf(o);
            Set<String> in = terminology.memberships(o.getCode());
            Optional<Terminology.LabMatch> lab = terminology.lab(in);
            Optional<Terminology.DxaMatch> scan = lab.isPresent() ? Optional.empty() : terminology.dxa(in);
            Optional<Terminology.ContextMatch> ctx = lab.isPresent() || scan.isPresent() ? Optional.empty()
                    : terminology.context(in, o.getCode());
            if (lab.isEmpty() && scan.isEmpty() && ctx.isEmpty()) {
                return;
            }
            if (!usableStatus(o)) {
                warn(ref, "Observation.status", "Ignored: status '" + (o.hasStatus() ? o.getStatus().toCode() : "")
                        + "' (only final, amended and corrected results are used).");
                return;
            }
            if (o.hasDataAbsentReason()) {
                warn(ref, "Observation.dataAbsentReason", "Ignored: the value is absent ("
                        + o.getDataAbsentReason().getCodingFirstRep().getCode() + ").");
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
            if (ctx.isPresent()) {
                context.add(new ClinicalContext(ref, ctx.get().kind(), ctx.get().label(), time));
                return;
            }
            Double number = o.hasValueQuantity() ? Units.valueOf(o.getValueQuantity()) : null;
            if (number == null) {
                warn(ref, "Observation.value[x]", "Ignored: no numeric value (valueQuantity).");
                return;
            }
            Quantity q = o.getValueQuantity();
            String unit = Units.unitOf(q);
            Quantity.QuantityComparator qc = q.getComparatorElement().getValue();
            if (q.hasComparatorElement() && (qc == null || qc == Quantity.QuantityComparator.NULL)) {
                // a comparator e2guard cannot read could make the value a bound: never guess it is exact
                warn(ref, "Observation.valueQuantity.comparator", "Ignored: the comparator is not one of <, <=, >, >=.");
                return;
            }
            Bound.Comparator comparator = Bound.Comparator.fromFhir(qc == null ? null : qc.toCode());
            double value = number;
            // the value exactly as the source wrote it ("14.0", "<5"), with its unit
            String reported = comparator.symbol() + q.getValueElement().getValueAsString() + (unit == null ? "" : " " + unit);
            if (lab.isPresent()) {
                Terminology.LabMatch m = lab.get();
                if (value < 0) {
                    warn(ref, "Observation.valueQuantity.value", "Ignored: a negative " + m.concept().label()
                            + " is not a measurement.");
                    return;
                }
                Double factor = Units.factor(m.concept(), unit);
                if (factor == null) {
                    warn(ref, "Observation.valueQuantity.code", "Ignored: " + m.concept().label() + " unit '"
                            + (unit == null ? "" : unit) + "' is missing or not one e2guard converts (expected "
                            + m.concept().canonicalUnit() + " or a listed alternative).");
                    return;
                }
                labs.add(new LabResult(ref, m.concept(), time, FhirTime.instant(o.getIssuedElement()),
                        new Bound(value, comparator).scaled(factor), reported, m.sensitive(), m.proxy(), high(o, value)));
            } else {
                Terminology.DxaMatch m = scan.get();
                boolean unitOk = m.kind() == DxaResult.Kind.BMD ? Units.isBmdUnit(unit) : Units.isScoreUnit(unit);
                if (!unitOk) {
                    warn(ref, "Observation.valueQuantity.code", "Ignored: DXA " + m.kind().name().toLowerCase()
                            + " unit '" + (unit == null ? "" : unit) + "' is missing or wrong (expected "
                            + (m.kind() == DxaResult.Kind.BMD ? "g/cm2" : "1") + ").");
                    return;
                }
                if (comparator != Bound.Comparator.EXACT) {
                    warn(ref, "Observation.valueQuantity.comparator", "Ignored: a DXA value must be exact.");
                    return;
                }
                if (m.kind() == DxaResult.Kind.BMD && value <= 0) {
                    warn(ref, "Observation.valueQuantity.value", "Ignored: a bone mineral density must be above 0 g/cm2.");
                    return;
                }
                LocalDate date = o.hasEffectiveDateTimeType() ? FhirTime.localDate(o.getEffectiveDateTimeType())
                        : FhirTime.utcDate(time);
                dxa.add(new DxaResult(ref, m.kind(), m.site(), date, time, value, reported));
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

        private boolean high(Observation o, double value) {
            for (CodeableConcept i : o.getInterpretation()) {
                for (Coding c : i.getCoding()) {
                    if ("H".equals(c.getCode()) || "HH".equals(c.getCode()) || "HU".equals(c.getCode())) {
                        return true;
                    }
                }
            }
            for (Observation.ObservationReferenceRangeComponent rr : o.getReferenceRange()) {
                Double high = rr.hasHigh() ? Units.valueOf(rr.getHigh()) : null;
                if (high != null && value > high
                        && (!rr.getHigh().hasCode() || rr.getHigh().getCode().equals(o.getValueQuantity().getCode()))) {
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
            for (Reference result : d.getResult()) {
                Resource target = index.resolve(result, d);
                if (target instanceof Observation o) {
                    observation(o, time);
                } else {
                    warn(index.refOf(d), "DiagnosticReport.result", "A DXA result reference could not be resolved in the input.");
                }
            }
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
            // a past fracture is history that still counts; a resolved symptom does not
            if (!active && m.get().kind() != ClinicalContext.Kind.FRAGILITY_FRACTURE) {
                return;
            }
            Instant time = c.hasOnsetDateTimeType() ? FhirTime.instant(c.getOnsetDateTimeType())
                    : FhirTime.instant(c.getRecordedDateElement());
            context.add(new ClinicalContext(ref, m.get().kind(), m.get().label(), time));
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
