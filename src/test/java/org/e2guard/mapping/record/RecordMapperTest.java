package org.e2guard.mapping.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.e2guard.engine.Notice;
import org.e2guard.fhir.FhirSupport;
import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.e2guard.timeline.Bound;
import org.e2guard.timeline.ClinicalContext;
import org.e2guard.timeline.DxaResult;
import org.e2guard.timeline.DxaScan;
import org.e2guard.timeline.Exposure;
import org.e2guard.timeline.Ingredient;
import org.e2guard.timeline.LabConcept;
import org.e2guard.timeline.LabResult;
import org.e2guard.timeline.PatientRecord;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ca.uhn.fhir.context.FhirContext;

/** FHIR input shapes to the normalised timeline, as RULES.md §1-§3 and TERMINOLOGY.md say. */
class RecordMapperTest {
    static final FhirContext CTX = FhirSupport.newContext();
    static final RecordMapper MAPPER = new RecordMapper(
            new Terminology(new CodeLists(ValueSetLoader.load(CTX.newJsonParser(), null))));

    record Result(PatientRecord record, List<Notice> notices) {
        boolean warned(String text) {
            return notices.stream().anyMatch(n -> n.message().contains(text));
        }
    }

    /** Maps a collection bundle of a male patient p1 plus the given resources (JSON objects). */
    static Result map(String... resources) {
        return mapWith("""
                {"resourceType":"Patient","id":"p1","gender":"male","birthDate":"1968-04-02"}""", resources);
    }

    /** Maps a collection bundle of the given Patient p1 plus the given resources (JSON objects). */
    static Result mapWith(String patient, String... resources) {
        StringBuilder json = new StringBuilder("""
                {"resourceType":"Bundle","type":"collection","entry":[
                {"fullUrl":"http://ehr/fhir/Patient/p1","resource":""" + patient + "}");
        for (String r : resources) {
            json.append(",{\"resource\":").append(r).append('}');
        }
        json.append("]}");
        Bundle bundle = CTX.newJsonParser().parseResource(Bundle.class, json.toString());
        ResourceIndex index = ResourceIndex.of(bundle);
        PatientGrouper.Grouped grouped = PatientGrouper.group(index);
        assertEquals(1, grouped.groups().size(), "one patient");
        RecordMapper.Mapped mapped = MAPPER.map(grouped.groups().get(0), index);
        return new Result(mapped.record(), mapped.notices());
    }

    static String obs(String id, String loinc, String status, String value, String effective) {
        return """
                {"resourceType":"Observation","id":"%s","status":"%s","subject":{"reference":"Patient/p1"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"%s"}]},%s%s}"""
                .formatted(id, status, loinc, effective == null ? "" : effective + ",", value);
    }

    static String quantity(String value, String unit) {
        return "\"valueQuantity\":{\"value\":" + value + ",\"unit\":\"" + unit + "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + unit + "\"}";
    }

    static final String DATE = "\"effectiveDateTime\":\"2026-05-01\"";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"final, 1", "amended, 1", "corrected, 1", "preliminary, 0", "registered, 0", "cancelled, 0",
            "entered-in-error, 0", "unknown, 0"})
    void onlyFinalAmendedCorrectedObservationsCount(String status, int expected) {
        Result r = map(obs("e2", "35384-7", status, quantity("14", "pg/mL"), DATE));
        assertEquals(expected, r.record().labs().size());
        assertEquals(expected == 0, r.warned("status"));
    }

    @Test
    void dataAbsentReasonMakesAnObservationUnusable() {
        Result r = map(obs("e2", "35384-7", "final",
                "\"dataAbsentReason\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/data-absent-reason\",\"code\":\"error\"}]}",
                DATE));
        assertTrue(r.record().labs().isEmpty());
        assertTrue(r.warned("absent"));
    }

    @Test
    void timeIsEffectiveDateTimeElsePeriodStartElseIssued() {
        Result r = map(
                obs("a", "35384-7", "final", quantity("30", "pg/mL"), "\"effectiveDateTime\":\"2026-05-01T10:30:00+02:00\""),
                obs("b", "35384-7", "final", quantity("31", "pg/mL"), "\"effectivePeriod\":{\"start\":\"2026-04-01\"}"),
                obs("c", "35384-7", "final", quantity("32", "pg/mL"), "\"issued\":\"2026-03-01T08:00:00Z\""),
                obs("d", "35384-7", "final", quantity("33", "pg/mL"), null));
        List<LabResult> labs = r.record().labs();
        assertEquals(3, labs.size());
        assertEquals(Instant.parse("2026-05-01T08:30:00Z"), labs.get(0).time());
        assertEquals(Instant.parse("2026-04-01T00:00:00Z"), labs.get(1).time());
        assertEquals(Instant.parse("2026-03-01T08:00:00Z"), labs.get(2).time());
        assertTrue(r.warned("no effective time"));
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource({
            "72873-3, 80, pmol/L, 21.792",
            "35384-7, 14, pg/mL, 14",
            "35384-7, 14, pg/ml, 14",
            "62292-8, 50, nmol/L, 20.032",
            "17861-6, 2.35, mmol/L, 9.419",
            "14913-8, 20, nmol/L, 576.369",
    })
    void unitsConvertToCanonical(String loinc, String value, String unit, double canonical) {
        LabResult l = map(obs("x", loinc, "final", quantity(value, unit), DATE)).record().labs().get(0);
        assertEquals(canonical, l.canonical().value(), 0.001);
        assertTrue(l.reported().endsWith(unit), "reported keeps the original unit");
    }

    @ParameterizedTest(name = "unit {0}")
    @CsvSource({"ng/mL", "pg/dL", "''", "mIU/mL"})
    void unknownOrMissingUnitsAreNeverGuessed(String unit) {
        Result r = map(obs("e2", "35384-7", "final", "\"valueQuantity\":{\"value\":14" + (unit.isEmpty() ? "" : ",\"unit\":\"" + unit + "\"") + "}", DATE));
        assertTrue(r.record().labs().isEmpty());
        assertTrue(r.warned("unit"));
    }

    @Test
    void unitTextIsUsedWhenThereIsNoUcumCode() {
        LabResult l = map(obs("e2", "35384-7", "final", "\"valueQuantity\":{\"value\":80,\"unit\":\"PMOL/L\"}", DATE))
                .record().labs().get(0);
        assertEquals(21.792, l.canonical().value(), 0.001);
    }

    @Test
    void comparatorsBecomeBounds() {
        LabResult l = map(obs("e2", "35384-7", "final",
                "\"valueQuantity\":{\"value\":5,\"comparator\":\"<\",\"unit\":\"pg/mL\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"pg/mL\"}",
                DATE)).record().labs().get(0);
        assertEquals(Bound.Comparator.LT, l.canonical().comparator());
        assertEquals("<5 pg/mL", l.reported());
    }

    @ParameterizedTest(name = "{0} sensitive={1}")
    @CsvSource({"2243-4, false", "14715-7, false", "83096-8, false", "72873-3, true", "35384-7, true"})
    void sensitiveAndStandardEstradiol(String loinc, boolean sensitive) {
        String unit = loinc.equals("14715-7") || loinc.equals("72873-3") ? "pmol/L" : "pg/mL";
        LabResult l = map(obs("e2", loinc, "final", quantity("50", unit), DATE)).record().labs().get(0);
        assertEquals(LabConcept.ESTRADIOL, l.concept());
        assertEquals(sensitive, l.sensitive());
    }

    @Test
    void vitaminD3OnlyIsAProxy() {
        LabResult l = map(obs("d", "1989-3", "final", quantity("25", "ng/mL"), DATE)).record().labs().get(0);
        assertEquals(LabConcept.VITAMIN_D, l.concept());
        assertTrue(l.proxy());
    }

    @Test
    void dxaAsObservationsWithSiteKindAndDate() {
        Result r = map(obs("bmd", "24966-4", "final", quantity("1.1", "g/cm2"), "\"effectiveDateTime\":\"2024-02-15\""),
                obs("t", "80946-7", "final", quantity("-1.2", "1"), "\"effectiveDateTime\":\"2024-02-15\""),
                obs("z", "80934-3", "final", quantity("-0.5", "1"), "\"effectiveDateTime\":\"2024-02-15\""),
                obs("bad", "38267-1", "final", quantity("-3", "g/cm2"), "\"effectiveDateTime\":\"2024-02-15\""));
        List<DxaResult> dxa = r.record().dxa();
        assertEquals(3, dxa.size());
        assertEquals(new DxaResult.Site(DxaResult.Region.LUMBAR_SPINE, DxaResult.Laterality.UNSPECIFIED), dxa.get(0).site());
        assertEquals(DxaResult.Kind.BMD, dxa.get(0).kind());
        assertEquals(new DxaResult.Site(DxaResult.Region.TOTAL_HIP, DxaResult.Laterality.LEFT), dxa.get(1).site());
        assertEquals(DxaResult.Kind.T_SCORE, dxa.get(1).kind());
        assertEquals(DxaResult.Region.FEMUR, dxa.get(2).site().region());
        assertEquals(LocalDate.parse("2024-02-15"), dxa.get(0).date());
        assertTrue(r.warned("DXA t_score unit"));
    }

    @Test
    void dxaAsADiagnosticReportsResultsWithTheReportsDate() {
        Result r = map("""
                {"resourceType":"DiagnosticReport","id":"dxa","status":"final","subject":{"reference":"Patient/p1"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"38269-7"}]},"effectiveDateTime":"2025-10-01",
                 "contained":[{"resourceType":"Observation","id":"t","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"38267-1"}]},
                   "valueQuantity":{"value":-2.6,"unit":"1","system":"http://unitsofmeasure.org","code":"1"}}],
                 "result":[{"reference":"#t"},{"reference":"Observation/bmd"}]}""",
                obs("bmd", "24966-4", "final", quantity("0.89", "g/cm2"), null).replace(",\"subject\":{\"reference\":\"Patient/p1\"}", ""));
        List<DxaResult> dxa = r.record().dxa();
        assertEquals(2, dxa.size());
        assertTrue(dxa.stream().allMatch(d -> d.date().equals(LocalDate.parse("2025-10-01"))));
    }

    static String statement(String status, String medication, String effective, String dosage) {
        return """
                {"resourceType":"MedicationStatement","id":"ms-%s","status":"%s","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":%s,%s%s}""".formatted(Math.abs((status + medication + effective).hashCode()),
                status, medication, effective, dosage == null ? "" : ",\"dosage\":[" + dosage + "]");
    }

    static final String ANASTROZOLE = "{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"84857\"}]}";

    static String dose(String mg, String timing) {
        return "{\"doseAndRate\":[{\"doseQuantity\":{\"value\":" + mg
                + ",\"unit\":\"mg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"}}],\"timing\":" + timing + "}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"repeat\":{\"frequency\":2,\"period\":1,\"periodUnit\":\"wk\"}} | 0.5 | 1.0",
            "{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}} | 1 | 7.0",
            "{\"repeat\":{\"frequency\":1,\"period\":3,\"periodUnit\":\"d\"}} | 0.5 | 1.1667",
            "{\"repeat\":{\"period\":1,\"periodUnit\":\"d\",\"dayOfWeek\":[\"mon\",\"thu\"]}} | 0.25 | 0.5",
            "{\"code\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation\",\"code\":\"BID\"}]}} | 0.5 | 7.0",
            "{\"code\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation\",\"code\":\"QD\"}]}} | 1 | 7.0",
            "{\"code\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation\",\"code\":\"QOD\"}]}} | 1 | 3.5",
            "{\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/v3/GTSAbbreviation\",\"code\":\"BID\"}]}} | 0.5 | 7.0",
            "{\"code\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/timing-abbreviation\",\"code\":\"BID\"}]}} | 0.25 | 3.5",
            "{\"code\":{\"coding\":[{\"code\":\"TID\"}]}} | 1 | 21.0",
            "{\"code\":{\"text\":\"bid\"}} | 0.5 | 7.0",
    })
    void weeklyDoseFromTimingRepeatOrCode(String timing, String mg, double weekly) {
        Exposure e = map(statement("active", ANASTROZOLE, "\"effectivePeriod\":{\"start\":\"2024-03-01\"}", dose(mg, timing)))
                .record().exposures().get(0);
        assertEquals(weekly, e.dose().mgPerWeek(), 0.001);
    }

    @Test
    void unknownTimingGivesNoDoseButAReason() {
        Exposure e = map(statement("active", ANASTROZOLE, "\"effectivePeriod\":{\"start\":\"2024-03-01\"}",
                dose("1", "{\"code\":{\"text\":\"as directed\"}}"))).record().exposures().get(0);
        assertNull(e.dose());
        assertEquals("unknown timing", e.doseProblem());
    }

    @ParameterizedTest(name = "{0} -> current={1}, counted={2}")
    @CsvSource({"active, true, true", "intended, true, true", "on-hold, true, true", "completed, false, true",
            "stopped, false, true", "entered-in-error, false, false", "not-taken, false, false"})
    void medicationStatementStatuses(String status, boolean current, boolean counted) {
        Result r = map(statement(status, ANASTROZOLE, "\"effectivePeriod\":{\"start\":\"2024-03-01\",\"end\":\"2025-03-01\"}", null));
        assertEquals(counted ? 1 : 0, r.record().exposures().size());
        if (counted) {
            Exposure e = r.record().exposures().get(0);
            assertEquals(current, e.current());
            assertEquals(Instant.parse("2025-03-01T00:00:00Z"), e.end());
        }
    }

    @Test
    void medicationRequestPeriods() {
        Result r = map("""
                {"resourceType":"MedicationRequest","id":"v","status":"active","intent":"order","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":%1$s,"authoredOn":"2024-01-01",
                 "dispenseRequest":{"validityPeriod":{"start":"2024-02-01","end":"2024-08-01"}}}""".formatted(ANASTROZOLE),
                """
                {"resourceType":"MedicationRequest","id":"b","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":%1$s,"authoredOn":"2024-01-01",
                 "dosageInstruction":[{"timing":{"repeat":{"boundsPeriod":{"start":"2024-03-01","end":"2024-09-01"},"frequency":2,"period":1,"periodUnit":"wk"}},
                   "doseAndRate":[{"doseQuantity":{"value":0.5,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}""".formatted(ANASTROZOLE),
                """
                {"resourceType":"MedicationRequest","id":"a","status":"on-hold","intent":"order","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":%1$s,"authoredOn":"2024-04-01"}""".formatted(ANASTROZOLE),
                """
                {"resourceType":"MedicationRequest","id":"d","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":%1$s,"authoredOn":"2026-06-01"}""".formatted(ANASTROZOLE));
        List<Exposure> e = r.record().exposures();
        assertEquals(3, e.size(), "a draft is not exposure");
        assertEquals(Instant.parse("2024-02-01T00:00:00Z"), e.get(0).start());
        assertTrue(e.get(0).current());
        assertEquals(Instant.parse("2024-03-01T00:00:00Z"), e.get(1).start());
        assertEquals(Instant.parse("2024-09-01T00:00:00Z"), e.get(1).end());
        assertFalse(e.get(1).current());
        assertEquals(1.0, e.get(1).dose().mgPerWeek(), 1e-9);
        assertEquals(Instant.parse("2024-04-01T00:00:00Z"), e.get(2).start());
    }

    @Test
    void medicationAdministrationIsExposureWithoutASchedule() {
        Result r = map("""
                {"resourceType":"MedicationAdministration","id":"ma","status":"completed","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":%s,"effectiveDateTime":"2026-01-05"}""".formatted(ANASTROZOLE));
        Exposure e = r.record().exposures().get(0);
        assertEquals(Ingredient.ANASTROZOLE, e.ingredient());
        assertNull(e.dose());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"coding\":[{\"system\":\"http://www.whocc.no/atc\",\"code\":\"L02BG03\"}]} | ANASTROZOLE | false",
            "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"108774000\"}]} | ANASTROZOLE | false",
            "{\"coding\":[{\"system\":\"http://www.whocc.no/atc\",\"code\":\"L02BG04\"}]} | LETROZOLE | false",
            "{\"coding\":[{\"system\":\"http://www.whocc.no/atc\",\"code\":\"L02BG\"}]} | AROMATASE_INHIBITOR_UNSPECIFIED | false",
            "{\"coding\":[{\"system\":\"http://hospital.example/meds\",\"code\":\"X1\",\"display\":\"Anastrozole 1mg tab\"}]} | ANASTROZOLE | true",
            "{\"text\":\"Arimidex 1 mg\"} | ANASTROZOLE | true",
            "{\"coding\":[{\"system\":\"http://hospital.example/meds\",\"code\":\"T7\"}],\"text\":\"Testosterone enanthate\"} | TESTOSTERONE | true",
    })
    void medicationsByCodeThenByName(String concept, Ingredient ingredient, boolean byName) {
        Exposure e = map(statement("active", concept, "\"effectiveDateTime\":\"2024-03-01\"", null)).record().exposures().get(0);
        assertEquals(ingredient, e.ingredient());
        assertEquals(byName, e.matchedByName());
    }

    @Test
    void medicationByReferenceToAMedicationResource() {
        Result r = map("""
                {"resourceType":"Medication","id":"m1","code":%s}""".formatted(ANASTROZOLE), """
                {"resourceType":"MedicationStatement","id":"ms","status":"active","subject":{"reference":"Patient/p1"},
                 "medicationReference":{"reference":"Medication/m1"},"effectiveDateTime":"2024-03-01"}""");
        assertEquals(Ingredient.ANASTROZOLE, r.record().exposures().get(0).ingredient());
    }

    @Test
    void conditionsEnrichAsContext() {
        Result r = map("""
                {"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},
                 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"57676002","display":"Arthralgia"}]}}""", """
                {"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/p1"},
                 "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]},
                 "code":{"text":"Wrist fracture after a fall from standing height"}}""", """
                {"resourceType":"Condition","id":"c3","subject":{"reference":"Patient/p1"},
                 "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"refuted"}]},
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"84229001"}]}}""");
        List<ClinicalContext> c = r.record().context();
        assertEquals(2, c.size());
        assertEquals(ClinicalContext.Kind.SYMPTOM, c.get(0).kind());
        assertEquals(ClinicalContext.Kind.FRAGILITY_FRACTURE, c.get(1).kind());
    }

    @Test
    void transactionBundlesResolveUrnUuidSubjectsToThePatientsOwnId() {
        Bundle bundle = CTX.newJsonParser().parseResource(Bundle.class, """
                {"resourceType":"Bundle","type":"transaction","entry":[
                 {"fullUrl":"urn:uuid:0e991dc9-0757-52de-86e1-25bfde01721f","resource":{"resourceType":"Patient","id":"p7","gender":"female"},
                  "request":{"method":"POST","url":"Patient"}},
                 {"fullUrl":"urn:uuid:1c8b1356-fdce-5b8f-9058-ad7534990792","resource":{"resourceType":"Observation","status":"final",
                  "subject":{"reference":"urn:uuid:0e991dc9-0757-52de-86e1-25bfde01721f"},
                  "code":{"coding":[{"system":"http://loinc.org","code":"62292-8"}]},"effectiveDateTime":"2026-05-01",
                  "valueQuantity":{"value":18,"unit":"ng/mL"}},"request":{"method":"POST","url":"Observation"}},
                 {"fullUrl":"urn:uuid:aaaaaaaa-0757-52de-86e1-25bfde01721f","resource":{"resourceType":"Observation","status":"final",
                  "subject":{"reference":"urn:uuid:ffffffff-0000-0000-0000-000000000000"},
                  "code":{"coding":[{"system":"http://loinc.org","code":"62292-8"}]},"effectiveDateTime":"2026-05-01",
                  "valueQuantity":{"value":18,"unit":"ng/mL"}}}]}""");
        ResourceIndex index = ResourceIndex.of(bundle);
        PatientGrouper.Grouped g = PatientGrouper.group(index);
        assertEquals(1, g.groups().size());
        assertEquals("Patient/p7", g.groups().get(0).patientRef());
        assertEquals(1, MAPPER.map(g.groups().get(0), index).record().labs().size());
        assertEquals(1, g.notices().size(), "the observation of an unknown subject is reported");
        assertEquals("Observation/1c8b1356-fdce-5b8f-9058-ad7534990792", index.refOf(index.resources().get(1)),
                "a resource without id is referred to by its urn:uuid");
    }

    // ---- review fixes (docs/CLINICAL-LOGIC.md, "Review") ----------------------------------------

    @Test
    void dxaResultsWithoutTheirOwnTimeTakeTheReportsWhateverTheInputOrder() {
        String bmd = obs("bmd", "24966-4", "final", quantity("0.89", "g/cm2"), null);
        String t = obs("t", "38267-1", "final", quantity("-2.6", "1"), null);
        String report = """
                {"resourceType":"DiagnosticReport","id":"dxa","status":"final","subject":{"reference":"Patient/p1"},
                 "code":{"coding":[{"system":"http://loinc.org","code":"38269-7"}]},"effectiveDateTime":"2025-10-01",
                 "result":[{"reference":"Observation/bmd"},{"reference":"Observation/t"}]}""";
        for (Result r : List.of(map(bmd, t, report), map(report, bmd, t))) {
            assertEquals(2, r.record().dxa().size(), "results listed before their report are not lost");
            assertTrue(r.record().dxa().stream().allMatch(d -> d.date().equals(LocalDate.parse("2025-10-01"))));
            assertFalse(r.warned("no effective time"));
        }
    }

    @Test
    void negativeConcentrationsAndNonPositiveBmdAreNotMeasurements() {
        Result r = map(obs("e2", "35384-7", "final", quantity("-3", "pg/mL"), DATE),
                obs("bmd", "24966-4", "final", quantity("0", "g/cm2"), DATE),
                obs("t", "38267-1", "final", quantity("-3.1", "1"), DATE));
        assertEquals(0, r.record().labs().size());
        assertTrue(r.warned("negative estradiol"));
        assertEquals(1, r.record().dxa().size(), "a negative T-score is a score, kept");
        assertTrue(r.warned("bone mineral density must be above 0"));
    }

    @Test
    void valuesTooLargeForADoubleOrPresentOnlyAsAnExtensionAreNotNumbers() {
        Result r = map(obs("e2", "35384-7", "final", quantity("1" + "0".repeat(400), "pg/mL"), DATE),
                obs("e2b", "35384-7", "final", "\"valueQuantity\":{\"_value\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"x\"}]},\"code\":\"pg/mL\",\"system\":\"http://unitsofmeasure.org\"}", DATE));
        assertEquals(0, r.record().labs().size());
        assertEquals(2, r.notices().stream().filter(n -> n.message().contains("no numeric value")).count());
    }

    @Test
    void aComparatorThatCannotBeReadMakesTheValueUnusable() {
        Result r = map(obs("e2", "35384-7", "final",
                "\"valueQuantity\":{\"value\":12,\"_comparator\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"x\"}]},\"code\":\"pg/mL\",\"system\":\"http://unitsofmeasure.org\"}", DATE));
        assertEquals(0, r.record().labs().size());
        assertTrue(r.warned("comparator"));
    }

    @Test
    void dosageElementsWithOnlyAnExtensionGiveNoDoseInsteadOfFailing() {
        String ext = "{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"x\"}]}";
        Exposure e = map(statement("active", ANASTROZOLE, "\"effectivePeriod\":{\"start\":\"2024-03-01\"}",
                "{\"_asNeededBoolean\":" + ext + ",\"doseAndRate\":[{\"doseQuantity\":{\"value\":1,\"unit\":\"mg\"}}],"
                        + "\"timing\":{\"repeat\":{\"_frequency\":" + ext + ",\"_period\":" + ext + ",\"periodUnit\":\"d\"}}}"))
                .record().exposures().get(0);
        assertNull(e.dose());
        assertEquals("unknown timing", e.doseProblem());
        Exposure f = map(statement("active", ANASTROZOLE, "\"effectivePeriod\":{\"start\":\"2024-03-01\"}",
                "{\"doseAndRate\":[{\"doseQuantity\":{\"_value\":" + ext + ",\"unit\":\"mg\"}}],"
                        + "\"timing\":{\"repeat\":{\"_frequency\":" + ext + ",\"period\":1,\"periodUnit\":\"d\"}}}"))
                .record().exposures().get(0);
        assertEquals("no dose quantity", f.doseProblem());
    }

    @Test
    void anExpectedSupplyBeyondAnyLifetimeGivesNoEndDate() {
        Result r = map("""
                {"resourceType":"MedicationRequest","id":"rx","status":"completed","intent":"order","subject":{"reference":"Patient/p1"},
                 "medicationCodeableConcept":%s,"authoredOn":"2024-01-01",
                 "dispenseRequest":{"expectedSupplyDuration":{"value":1e300,"system":"http://unitsofmeasure.org","code":"a"}}}"""
                .formatted(ANASTROZOLE));
        Exposure e = r.record().exposures().get(0);
        assertNull(e.end(), "counts on its start date only");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Methyltestosterone 10 mg capsule", "TESTOSTERONE-UNDECANOATE", "testosterone cypionate"})
    void testosteroneByAnyNameContainingIt(String text) {
        Exposure e = map(statement("active", "{\"text\":\"" + text + "\"}", "\"effectiveDateTime\":\"2024-03-01\"", null))
                .record().exposures().get(0);
        assertEquals(Ingredient.TESTOSTERONE, e.ingredient());
        assertTrue(e.matchedByName());
    }

    @Test
    void aDoseInTabletsOfAProductWithAFixedStrengthIsADoseInMg() {
        String tablets = "{\"doseAndRate\":[{\"doseQuantity\":{\"value\":1,\"unit\":\"tablet\",\"system\":\"http://snomed.info/sct\",\"code\":\"732936001\"}}],"
                + "\"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}}}";
        String scd = "{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"199224\"}]}";
        assertEquals(7.0, map(statement("active", scd, "\"effectiveDateTime\":\"2024-03-01\"", tablets))
                .record().exposures().get(0).dose().mgPerWeek(), 1e-9);
        Exposure ingredientOnly = map(statement("active", ANASTROZOLE, "\"effectiveDateTime\":\"2024-03-01\"", tablets))
                .record().exposures().get(0);
        assertNull(ingredientOnly.dose(), "the ingredient code says nothing about the tablet's strength");
        assertTrue(ingredientOnly.doseProblem().contains("not a mass unit"));
    }

    /** The input shapes ruleset 1.1 added (RULES.md 1.1 §1, §3, §4; TERMINOLOGY.md 1.1). */
    @Nested
    class Ruleset11 {
        static final String PATIENT = "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"male\"";

        @ParameterizedTest(name = "{0} -> deceased {1}, at {2}")
        @CsvSource(delimiter = '|', value = {
                "'\"deceasedBoolean\":true' | true | ",
                "'\"deceasedBoolean\":false' | false | ",
                "'\"deceasedDateTime\":\"2026-03-04\"' | true | 2026-03-04T00:00:00Z",
                "'\"birthDate\":\"1960-01-01\"' | false | "})
        void deathFromDeceasedBooleanOrDateTime(String element, boolean deceased, Instant at) {
            PatientRecord record = mapWith(PATIENT + "," + element + "}").record();
            assertEquals(deceased, record.deceasedBy(Instant.parse("2026-07-01T00:00:00Z")));
            if (!deceased) {
                assertNull(record.death());
            } else if (at == null) {
                assertTrue(record.deceasedBy(Instant.parse("1900-01-01T00:00:00Z")), "a death of unknown date is before any instant");
            } else {
                assertFalse(record.deceasedBy(at.minusSeconds(1)), "not before the recorded death");
                assertTrue(record.deceasedBy(at), "at the recorded death");
            }
        }

        static String procedure(String id, String system, String code, String status, String performed) {
            return """
                    {"resourceType":"Procedure","id":"%s","status":"%s","subject":{"reference":"Patient/p1"},
                     "code":{"coding":[{"system":"%s","code":"%s"}]}%s}""".formatted(id, status, system, code,
                    performed == null ? "" : "," + performed);
        }

        @ParameterizedTest(name = "{0}|{1} {2} -> {3}")
        @CsvSource({
                "http://snomed.info/sct, 312681000, completed, 1",
                "http://www.ama-assn.org/go/cpt, 77080, completed, 1",
                "http://www.ama-assn.org/go/cpt, 77081, completed, 1",
                "http://www.ama-assn.org/go/cpt, 77085, completed, 1",
                "http://snomed.info/sct, 312681000, in-progress, 0",
                "http://snomed.info/sct, 312681000, entered-in-error, 0",
                "http://snomed.info/sct, 80146002, completed, 0"})
        void aCompletedDensitometryProcedureIsAScanOnRecord(String system, String code, String status, int scans) {
            Result r = map(procedure("pr", system, code, status, "\"performedDateTime\":\"2025-01-10\""));
            assertEquals(scans, r.record().scans().size());
            assertTrue(r.record().dxa().isEmpty(), "a procedure never carries a score");
            if (scans == 1) {
                DxaScan s = r.record().scans().get(0);
                assertEquals(DxaScan.Kind.PROCEDURE, s.kind());
                assertEquals(LocalDate.parse("2025-01-10"), s.date());
                assertEquals("Procedure/pr", s.ref());
            }
        }

        @Test
        void aProcedureIsDatedByPerformedPeriodStartElseIgnoredWithANotice() {
            Result period = map(procedure("pr", "http://snomed.info/sct", "312681000", "completed",
                    "\"performedPeriod\":{\"start\":\"2025-02-03T10:00:00Z\",\"end\":\"2025-02-03T10:30:00Z\"}"));
            assertEquals(LocalDate.parse("2025-02-03"), period.record().scans().get(0).date());
            Result none = map(procedure("pr", "http://snomed.info/sct", "312681000", "completed", null));
            assertTrue(none.record().scans().isEmpty());
            assertTrue(none.warned("no date"));
        }

        @Test
        void aFinalDxaReportIsAScanOnRecordEvenWithoutResults() {
            String report = """
                    {"resourceType":"DiagnosticReport","id":"r1","status":"%s","subject":{"reference":"Patient/p1"},
                     "code":{"coding":[{"system":"http://loinc.org","code":"38269-7"}]},"effectiveDateTime":"2025-05-05"}""";
            assertEquals(1, map(report.formatted("final")).record().scans().size());
            Result preliminary = map(report.formatted("preliminary"));
            assertTrue(preliminary.record().scans().isEmpty());
            assertTrue(preliminary.warned("not counted as a DXA on record"));
        }

        @ParameterizedTest(name = "score unit {0} -> usable {1}")
        @CsvSource(delimiter = '|', value = {
                "'\"unit\":\"1\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"1\"' | true",
                "'\"unit\":\"T-score\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"{T-score}\"' | true",
                "'\"system\":\"http://unitsofmeasure.org\",\"code\":\"{SD}\"' | true",
                "'\"unit\":\"T-score\"' | true",
                "'\"unit\":\"Z-score\"' | true",
                "'\"unit\":\"sd\"' | true",
                "'' | true",
                "'\"unit\":\"g/cm2\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"g/cm2\"' | false",
                "'\"unit\":\"%\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"%\"' | false",
                "'\"unit\":\"score\"' | false"})
        void scoresAcceptDimensionlessAnnotationsUnitTextsOrNoUnit(String unit, boolean usable) {
            String value = "\"valueQuantity\":{\"value\":-2.7" + (unit.isEmpty() ? "" : "," + unit) + "}";
            Result r = map(obs("t", "38265-5", "final", value, DATE));
            assertEquals(usable ? 1 : 0, r.record().dxa().size());
            assertEquals(!usable, r.warned("unit"));
            if (usable) {
                DxaResult d = r.record().dxa().get(0);
                assertEquals(DxaResult.Kind.T_SCORE, d.kind());
                assertEquals(DxaResult.Region.FOREARM, d.site().region());
            }
        }

        @Test
        void componentsOfAPanelCountLikeObservationsAndTakeThePanelsTime() {
            Result r = map("""
                    {"resourceType":"Observation","id":"panel","status":"final","subject":{"reference":"Patient/p1"},
                     "code":{"coding":[{"system":"http://loinc.org","code":"38269-7"}]},"effectiveDateTime":"2025-10-01",
                     "component":[
                      {"code":{"coding":[{"system":"http://loinc.org","code":"38267-1"}]},"valueQuantity":{"value":-2.6,"system":"http://unitsofmeasure.org","code":"1"}},
                      {"code":{"coding":[{"system":"http://loinc.org","code":"24966-4"}]},"valueQuantity":{"value":0.91,"system":"http://unitsofmeasure.org","code":"g/cm2"}},
                      {"code":{"coding":[{"system":"http://loinc.org","code":"38264-8"}]},"dataAbsentReason":{"coding":[{"code":"not-performed"}]}},
                      {"code":{"coding":[{"system":"http://loinc.org","code":"99999-9"}]},"valueQuantity":{"value":3}}]}""");
            List<DxaResult> dxa = r.record().dxa();
            assertEquals(2, dxa.size());
            assertTrue(dxa.stream().allMatch(d -> d.date().equals(LocalDate.parse("2025-10-01")) && d.ref().equals("Observation/panel")));
            assertEquals(-2.6, dxa.get(0).value());
            assertEquals(DxaResult.Kind.BMD, dxa.get(1).kind());
            assertTrue(r.notices().stream().anyMatch(n -> "Observation.component[2].dataAbsentReason".equals(n.location())));
        }

        @Test
        void aPanelsStatusDecidesForItsComponents() {
            Result r = map("""
                    {"resourceType":"Observation","id":"panel","status":"preliminary","subject":{"reference":"Patient/p1"},
                     "code":{"text":"DXA"},"effectiveDateTime":"2025-10-01",
                     "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"38267-1"}]},"valueQuantity":{"value":-2.6}}]}""");
            assertTrue(r.record().dxa().isEmpty());
            assertTrue(r.warned("status 'preliminary'"));
        }

        static String condition(String id, String code) {
            return """
                    {"resourceType":"Condition","id":"%s","subject":{"reference":"Patient/p1"},"code":%s}""".formatted(id, code);
        }

        @ParameterizedTest(name = "{0} -> fracture {1}")
        @CsvSource(delimiter = '|', value = {
                "'{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"443165006\"}]}' | true",
                "'{\"text\":\"Fracture of neck of femur\"}' | true",
                "'{\"coding\":[{\"system\":\"http://local\",\"code\":\"X\",\"display\":\"Vertebral compression fracture\"}]}' | true",
                "'{\"coding\":[{\"system\":\"http://local\",\"code\":\"DENT\",\"display\":\"Fractured dental filling\"}],\"text\":\"Fractured dental filling\"}' | false",
                "'{\"text\":\"Fracture of tooth\"}' | false",
                "'{\"text\":\"Fractured crown\"}' | false",
                "'{\"coding\":[{\"system\":\"http://local\",\"code\":\"Y\",\"display\":\"Fracture\"}],\"text\":\"Broken tooth\"}' | false",
                "'{\"text\":\"At risk of fracture\"}' | false",
                "'{\"text\":\"Sprain of ankle\"}' | false"})
        void fragilityFractureByCodeFirstAndNeverADentalOne(String code, boolean fracture) {
            Result r = map(condition("c", code));
            assertEquals(fracture, r.record().context().stream().anyMatch(c -> c.kind() == ClinicalContext.Kind.FRAGILITY_FRACTURE));
        }

        @ParameterizedTest(name = "Observation {0}")
        @CsvSource({"'10 year probability of major osteoporotic fracture'", "'History of fracture'"})
        void anObservationNamedAfterFracturesIsNoFracture(String text) {
            // RULES.md §4: a fragility fracture is on record as a Condition; the name fallback is the Condition's,
            // and a risk score or a history question answered "No" must not make osteoporosis "severe"
            Result r = map("""
                    {"resourceType":"Observation","id":"q","status":"final","subject":{"reference":"Patient/p1"},
                     "code":{"coding":[{"system":"http://local","code":"Q1","display":"%s"}],"text":"%s"},
                     "effectiveDateTime":"2026-01-01","valueBoolean":false}""".formatted(text, text));
            assertTrue(r.record().context().isEmpty());
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({"77176002, true", "449868002, true", "8517006, false", "266919005, false"})
        void smokingStatusObservationsSmokeByTheirValue(String value, boolean smoker) {
            Result r = map("""
                    {"resourceType":"Observation","id":"smk","status":"final","subject":{"reference":"Patient/p1"},
                     "code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},"effectiveDateTime":"2026-01-01",
                     "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"%s"}]}}""".formatted(value));
            assertEquals(smoker, r.record().context().stream().anyMatch(c -> c.kind() == ClinicalContext.Kind.SMOKING));
            assertTrue(r.notices().isEmpty(), "a non-smoker's status is nothing to warn about");
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({"77176002, SMOKING", "449868002, SMOKING", "15167005, ALCOHOL_EXCESS", "7200002, ALCOHOL_EXCESS",
                "10939881000119105, ALCOHOL_EXCESS"})
        void contextConditionCodes(String code, ClinicalContext.Kind kind) {
            Result r = map(condition("c", "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"" + code + "\"}]}"));
            assertEquals(kind, r.record().context().get(0).kind());
        }

        @Test
        void bloodCalciumIsCalcium() {
            Result r = map(obs("ca", "49765-1", "final", quantity("9.1", "mg/dL"), DATE));
            assertEquals(LabConcept.CALCIUM, r.record().labs().get(0).concept());
        }

        @Test
        void exemestaneByItsTabletCodeAlone() {
            Result r = map("""
                    {"resourceType":"MedicationStatement","id":"ms","status":"active","subject":{"reference":"Patient/p1"},
                     "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"310261"}]},
                     "effectiveDateTime":"2025-01-20"}""");
            Exposure e = r.record().exposures().get(0);
            assertEquals(Ingredient.EXEMESTANE, e.ingredient());
            assertFalse(e.matchedByName());
        }
    }
}
