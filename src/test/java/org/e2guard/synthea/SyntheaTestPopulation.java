package org.e2guard.synthea;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import org.e2guard.fhir.FhirSupport;
import org.e2guard.mapping.record.NdjsonReader;
import org.e2guard.mapping.record.PatientGrouper;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Timing;

import ca.uhn.fhir.parser.IParser;

/**
 * Builds the committed Synthea test population ({@code src/test/resources/synthea/}, see its README):
 * the women Synthea put on an aromatase inhibitor, as generated, and a handful of Synthea men put on
 * testosterone therapy and anastrozole by this step, because Synthea has no module for that. Only
 * the resource types the rules read ({@link PatientGrouper#READ}) are kept, one gzipped NDJSON file
 * per type.
 *
 * <p>What is added to a man is written the way Synthea writes its own records (RxNorm-coded
 * MedicationRequests, LOINC-coded Observations, a SNOMED CT Condition), so that both columns of
 * RULES.md 1.2 §5's action table, and a man on anastrozole without testosterone (male breast
 * cancer), are exercised on otherwise realistic records. The scenarios are fixed; the dates come
 * from the seed.
 *
 * <p>Usage: {@code SyntheaTestPopulation WOMEN_NDJSON_DIR MEN_NDJSON_DIR OUT_DIR [men=8] [seed=17]}
 */
public final class SyntheaTestPopulation {
    private static final String LOINC = "http://loinc.org";
    private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private static final String SNOMED = "http://snomed.info/sct";
    private static final String UCUM = "http://unitsofmeasure.org";
    private static final String CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

    /**
     * One man's story, relative to his anastrozole start.
     *
     * @param trt            on testosterone therapy (else anastrozole alone, as for male breast cancer)
     * @param anastrozoleMg  mg per dose
     * @param perWeek        doses per week
     * @param estradiol      estradiol results (pg/mL) at 75 and 200 days after the AI start (null: none)
     * @param sensitiveAssay whether estradiol is the sensitive (LC-MS/MS) assay
     * @param dxa            DXA T-scores (lumbar spine) with their day relative to the AI start
     * @param vitaminD       25-OH vitamin D (ng/mL) 75 days after the AI start, null for none
     */
    record Scenario(String note, boolean trt, double anastrozoleMg, int perWeek, Double[] estradiol,
                    boolean sensitiveAssay, Object[][] dxa, Double vitaminD) {
    }

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("TRT, anastrozole 0.5 mg twice weekly, estradiol suppressed twice, osteopenia before the AI",
                    true, 0.5, 2, new Double[] {14.0, 12.0}, true, new Object[][] {{-200, -1.6, 1.02}}, 24.0),
            new Scenario("TRT, anastrozole 1 mg daily, estradiol very low, osteoporosis on the AI",
                    true, 1.0, 7, new Double[] {8.0, null}, true, new Object[][] {{-100, -2.2, 0.93}, {150, -2.7, 0.88}}, 34.0),
            new Scenario("TRT, anastrozole 1 mg twice weekly, borderline estradiol on a standard assay, no DXA, no vitamin D",
                    true, 1.0, 2, new Double[] {22.0, null}, false, new Object[][] {}, null),
            new Scenario("TRT, anastrozole 0.25 mg twice weekly, no estradiol since the AI, spine BMD falling",
                    true, 0.25, 2, new Double[] {null, null}, true, new Object[][] {{-60, -1.2, 1.05}, {300, -1.5, 1.00}}, 31.0),
            new Scenario("no TRT: anastrozole 1 mg daily for male breast cancer, estradiol low, osteoporosis before the AI",
                    false, 1.0, 7, new Double[] {9.0, null}, true, new Object[][] {{-30, -2.6, 0.86}}, 27.0),
            new Scenario("TRT, anastrozole 0.5 mg twice weekly, estradiol in range, osteoporosis on the AI",
                    true, 0.5, 2, new Double[] {31.0, 28.0}, true, new Object[][] {{200, -2.8, 0.84}}, 42.0));

    private SyntheaTestPopulation() {
    }

    public static void main(String[] args) throws IOException {
        Path women = Path.of(args[0]);
        Path men = Path.of(args[1]);
        Path out = Path.of(args[2]);
        int menCount = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        long seed = args.length > 4 ? Long.parseLong(args[4]) : 17;
        IParser json = FhirSupport.newContext().newJsonParser().setPrettyPrint(false);
        Files.createDirectories(out);
        Map<String, Writer> writers = new LinkedHashMap<>();
        try {
            for (String type : PatientGrouper.READ) {
                writers.put(type, new OutputStreamWriter(new GZIPOutputStream(
                        Files.newOutputStream(out.resolve(type + ".ndjson.gz"))), StandardCharsets.UTF_8));
            }
            copy(women, writers, null);
            List<String> chosen = firstPatients(men, menCount);
            copy(men, writers, chosen);
            Random random = new Random(seed);
            for (int i = 0; i < chosen.size(); i++) {
                Scenario s = SCENARIOS.get(i % SCENARIOS.size());
                // anastrozole started between 2022 and mid-2025, so that a year of it lies before generation day
                LocalDate aiStart = LocalDate.of(2022, 1, 1).plusDays(random.nextInt(1250));
                for (Resource r : man(chosen.get(i), s, aiStart, random)) {
                    Writer w = writers.get(r.fhirType());
                    w.write(json.encodeResourceToString(r));
                    w.write('\n');
                }
            }
        } finally {
            for (Writer w : writers.values()) {
                w.close();
            }
        }
    }

    /** Copies the lines of the types the rules read, of every patient or of those listed ({@code Patient/id}). */
    private static void copy(Path dir, Map<String, Writer> writers, List<String> only) throws IOException {
        for (String type : PatientGrouper.READ) {
            Path file = dir.resolve(type + ".ndjson");
            if (!Files.exists(file)) {
                continue;
            }
            try (NdjsonReader reader = new NdjsonReader(Files.newInputStream(file), file.getFileName().toString())) {
                for (NdjsonReader.Line l = reader.nextRead(); l != null; l = reader.nextRead()) {
                    if (only == null || only.contains(l.patient()) || l.patient() == null) {
                        writers.get(type).write(l.json());
                        writers.get(type).write('\n');
                    }
                }
            }
        }
    }

    private static List<String> firstPatients(Path dir, int n) throws IOException {
        List<String> ids = new ArrayList<>();
        try (NdjsonReader reader = new NdjsonReader(Files.newInputStream(dir.resolve("Patient.ndjson")), "Patient.ndjson")) {
            for (NdjsonReader.Line l = reader.next(); l != null && ids.size() < n; l = reader.next()) {
                ids.add("Patient/" + l.id());
            }
        }
        return ids;
    }

    static List<Resource> man(String patient, Scenario s, LocalDate aiStart, Random random) {
        List<Resource> out = new ArrayList<>();
        Ids ids = new Ids(patient);
        if (s.trt()) {
            LocalDate trtStart = aiStart.minusDays(90 + random.nextInt(270));
            Condition hypogonadism = new Condition();
            hypogonadism.setId(ids.next());
            hypogonadism.getClinicalStatus().addCoding()
                    .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical").setCode("active");
            hypogonadism.getVerificationStatus().addCoding()
                    .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status").setCode("confirmed");
            hypogonadism.setCode(concept(SNOMED, "48130008", "Hypogonadism (disorder)"));
            hypogonadism.setSubject(new Reference(patient));
            hypogonadism.setOnset(dateTime(trtStart.minusDays(30)));
            hypogonadism.setRecordedDateElement(dateTime(trtStart.minusDays(30)));
            out.add(hypogonadism);
            out.add(lab(ids, patient, "2986-8", "Testosterone [Mass/volume] in Serum or Plasma", trtStart.minusDays(30),
                    180 + random.nextInt(80), "ng/dL"));
            out.addAll(orders(ids, patient, concept(RXNORM, "835829", "1 ML testosterone cypionate 200 MG/ML Injection"),
                    trtStart, 100, "mg", 1));
            out.add(lab(ids, patient, "2986-8", "Testosterone [Mass/volume] in Serum or Plasma", aiStart.minusDays(30),
                    750 + random.nextInt(300), "ng/dL"));
        }
        if (s.estradiol()[0] != null || !s.trt()) {
            out.add(estradiol(ids, patient, s, aiStart.minusDays(30), 38 + random.nextInt(20)));
        }
        out.addAll(orders(ids, patient, concept(RXNORM, "199224", "anastrozole 1 MG Oral Tablet"),
                aiStart, s.anastrozoleMg(), "mg", s.perWeek()));
        for (int k = 0; k < 2; k++) {
            Double e2 = s.estradiol()[k];
            if (e2 != null) {
                out.add(estradiol(ids, patient, s, aiStart.plusDays(k == 0 ? 75 : 200), e2));
            }
        }
        for (Object[] scan : s.dxa()) {
            LocalDate on = aiStart.plusDays((Integer) scan[0]);
            out.add(imaging(ids, patient, "38267-1", "DXA Lumbar spine [T-score] Bone density", on, (Double) scan[1], "1"));
            out.add(imaging(ids, patient, "24966-4", "DXA Lumbar spine [Mass/Area] Bone density", on, (Double) scan[2], "g/cm2"));
        }
        if (s.vitaminD() != null) {
            LocalDate on = aiStart.plusDays(75);
            out.add(lab(ids, patient, "62292-8", "25-Hydroxyvitamin D3+25-Hydroxyvitamin D2 [Mass/volume] in Serum or Plasma",
                    on, s.vitaminD(), "ng/mL"));
            out.add(lab(ids, patient, "17861-6", "Calcium [Mass/volume] in Serum or Plasma", on, 9.1 + random.nextInt(8) / 10.0,
                    "mg/dL"));
        }
        return out;
    }

    /** A year's order, stopped, then its renewal, active: one continuous run, as a refill history reads. */
    private static List<Resource> orders(Ids ids, String patient, CodeableConcept drug, LocalDate start, double dose,
                                         String unit, int perWeek) {
        List<Resource> out = new ArrayList<>();
        LocalDate renewal = start.plusYears(1);
        out.add(order(ids, patient, drug, start, renewal, MedicationRequest.MedicationRequestStatus.STOPPED, dose, unit, perWeek));
        out.add(order(ids, patient, drug, renewal, null, MedicationRequest.MedicationRequestStatus.ACTIVE, dose, unit, perWeek));
        return out;
    }

    private static MedicationRequest order(Ids ids, String patient, CodeableConcept drug, LocalDate start, LocalDate end,
                                           MedicationRequest.MedicationRequestStatus status, double dose, String unit,
                                           int perWeek) {
        MedicationRequest m = new MedicationRequest();
        m.setId(ids.next());
        m.setStatus(status);
        m.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
        m.setMedication(drug);
        m.setSubject(new Reference(patient));
        m.setAuthoredOnElement(dateTime(start));
        Period validity = new Period().setStartElement(dateTime(start));
        if (end != null) {
            validity.setEndElement(dateTime(end));
        }
        m.getDispenseRequest().setValidityPeriod(validity);
        Dosage d = m.addDosageInstruction();
        d.setSequence(1);
        d.setTiming(new Timing().setRepeat(new Timing.TimingRepeatComponent().setFrequency(perWeek == 7 ? 1 : perWeek)
                .setPeriod(1).setPeriodUnit(perWeek == 7 ? Timing.UnitsOfTime.D : Timing.UnitsOfTime.WK)));
        d.addDoseAndRate().setDose(new Quantity().setValue(dose).setUnit(unit).setSystem(UCUM).setCode(unit));
        return m;
    }

    private static Observation estradiol(Ids ids, String patient, Scenario s, LocalDate on, double pgPerMl) {
        return s.sensitiveAssay() ? lab(ids, patient, "35384-7", "Estradiol [Mass/volume] in Serum or Plasma", on, pgPerMl, "pg/mL")
                : lab(ids, patient, "2243-4", "Estradiol (E2) [Mass/volume] in Serum or Plasma", on, pgPerMl, "pg/mL");
    }

    private static Observation lab(Ids ids, String patient, String loinc, String display, LocalDate on, double value, String unit) {
        return observation(ids, patient, "laboratory", loinc, display, on, value, unit);
    }

    private static Observation imaging(Ids ids, String patient, String loinc, String display, LocalDate on, double value,
                                       String unit) {
        return observation(ids, patient, "imaging", loinc, display, on, value, unit);
    }

    private static Observation observation(Ids ids, String patient, String category, String loinc, String display,
                                           LocalDate on, double value, String unit) {
        Observation o = new Observation();
        o.setId(ids.next());
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.addCategory().addCoding().setSystem(CATEGORY).setCode(category);
        o.setCode(concept(LOINC, loinc, display));
        o.setSubject(new Reference(patient));
        o.setEffective(dateTime(on));
        o.setIssued(Date.from(on.atTime(14, 0).toInstant(java.time.ZoneOffset.UTC)));
        // a whole number as a lab reports it ("14", not "14.0")
        java.math.BigDecimal v = value == Math.rint(value) ? java.math.BigDecimal.valueOf((long) value)
                : java.math.BigDecimal.valueOf(value);
        o.setValue(new Quantity().setValue(v).setUnit(unit).setSystem(UCUM).setCode(unit));
        return o;
    }

    private static CodeableConcept concept(String system, String code, String display) {
        CodeableConcept c = new CodeableConcept();
        c.addCoding().setSystem(system).setCode(code).setDisplay(display);
        c.setText(display);
        return c;
    }

    /** A morning in UTC, as a clinic visit. */
    private static DateTimeType dateTime(LocalDate d) {
        return new DateTimeType(d.atTime(9, 30).toString() + ":00+00:00");
    }

    /** Deterministic resource ids, UUIDs as Synthea's, derived from the patient and a counter. */
    private static final class Ids {
        private final String patient;
        private int n;

        Ids(String patient) {
            this.patient = patient;
        }

        String next() {
            return UUID.nameUUIDFromBytes((patient + "/trt/" + n++).getBytes(StandardCharsets.UTF_8)).toString();
        }
    }
}
